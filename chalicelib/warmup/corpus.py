"""The phrase corpus warm-up mail is written from: business-like sentences with no links,
no tracking and no product names. ``content`` combines one entry of each ``SLOTS`` list
(``{topic}``, ``{weekday}`` and ``{time}`` are filled from their own slots), which gives
millions of distinct messages; every entry of a slot differs from the others, and every
template of ``ASKS`` names both ``{weekday}`` and ``{time}``, so two different combinations
never read the same."""

from __future__ import annotations

SUBJECT_OPENERS = (
    "Quick question about",
    "Follow-up on",
    "Notes from",
    "Thoughts on",
    "Update on",
    "Next steps for",
    "Checking in about",
    "Agenda for",
    "Draft for",
    "A few ideas on",
    "Feedback on",
    "Timeline for",
    "Question on",
    "Summary of",
    "Review of",
    "Plan for",
)

TOPICS = (
    "the quarterly review",
    "Thursday's call",
    "the supplier shortlist",
    "the onboarding checklist",
    "the budget draft",
    "the training session",
    "the customer survey",
    "the hiring plan",
    "the project kickoff",
    "the office move",
    "the partner workshop",
    "the spring newsletter",
    "the pricing update",
    "the team offsite",
    "the vendor contract",
    "the product demo",
    "the data migration",
    "the board summary",
    "the sales forecast",
    "the website refresh",
    "the support handbook",
    "the event logistics",
    "the invoice process",
    "the security review",
    "the marketing calendar",
    "the client proposal",
    "the inventory count",
    "the annual report",
    "the travel schedule",
    "the design mockups",
)

GREETINGS = ("Hi {name},", "Hello {name},", "Good morning {name},", "Hey {name},", "Dear {name},")
NAMELESS_GREETINGS = ("Hi,", "Hello,", "Good morning,", "Hi there,", "Hello there,")

OPENINGS = (
    "I hope your week is going well.",
    "Thanks again for your help last time.",
    "I hope you had a good weekend.",
    "Hope things are calm on your side.",
    "It was good to catch up the other day.",
    "I wanted to get back to you before the end of the day.",
    "Sorry for the slow reply, it has been a busy stretch.",
    "Thanks for the quick turnaround earlier.",
    "I hope the new month started well for you.",
    "Just picking up where we left off.",
    "I appreciate you taking the time for this.",
    "Hope the travel went smoothly.",
    "Thanks for sending the notes over.",
    "I know things are hectic, so I will keep this short.",
    "Good to hear from you again.",
    "I hope the team is doing well.",
    "Thanks for flagging this earlier.",
    "I wanted to share a short update.",
    "Hope your morning is off to a good start.",
    "Thanks for your patience on this one.",
)

MIDDLES = (
    "I went through {topic} this morning and have a few small notes.",
    "I think {topic} is almost ready to share with the wider team.",
    "We made good progress on {topic} since we last spoke.",
    "There are two open points left on {topic}.",
    "I added my comments on {topic} to the shared folder.",
    "The first part of {topic} looks solid to me.",
    "I had a second look at {topic} and it reads much better now.",
    "Could we spend ten minutes on {topic} this week?",
    "I spoke with the team about {topic} and everyone is on board.",
    "I put together a short outline for {topic}.",
    "We are still waiting on one answer before we can close {topic}.",
    "The timing of {topic} might need to move a little.",
    "I would like your opinion on {topic} before we go further.",
    "Most of the work on {topic} is done now.",
    "I have a couple of questions about {topic}.",
    "The latest version of {topic} is attached to the ticket.",
    "I think we can simplify {topic} quite a bit.",
    "Everyone seemed happy with {topic} in the meeting.",
    "I drafted a first pass of {topic} last night.",
    "We should probably revisit {topic} next month.",
)

DETAILS = (
    "The numbers look consistent with what we saw last month.",
    "Nothing urgent, but it would help to settle it soon.",
    "Happy to adjust anything that does not work for you.",
    "I kept the scope small so we can move quickly.",
    "The main change is in the second section.",
    "I left a few comments where I was unsure.",
    "It should not take more than half an hour.",
    "Let me know if anything looks off.",
    "I think the overall direction is right.",
    "We can keep the rest as it is for now.",
    "I tried to keep it simple and clear.",
    "The feedback so far has been positive.",
    "There is no rush on this from my side.",
    "I am flexible on the details.",
    "A quick yes or no would already help.",
    "I would rather sort this out before the holidays.",
    "The finance team asked about it yesterday.",
    "I checked with legal and they had no concerns.",
    "It lines up well with the plan we agreed on.",
    "We can go over the open questions together.",
)

ASKS = (
    "Would {weekday} {time} work for a short call?",
    "Are you free {weekday} {time} to go over it?",
    "Could we find a slot on {weekday} {time}?",
    "I could walk you through it on {weekday} {time}.",
    "Shall we pick it up on {weekday} {time}?",
    "I will be around on {weekday} {time} if you want to talk.",
    "Does {weekday} {time} suit you for a quick review?",
    "I have time on {weekday} {time} if that helps.",
    "Could you take a look before {weekday} {time}?",
    "Let us aim to wrap it up by {weekday} {time}.",
    "I can send a summary on {weekday} {time}.",
    "Would you have a moment on {weekday} {time}?",
    "Maybe we could meet on {weekday} {time}?",
    "I am planning to follow up on {weekday} {time}.",
    "Can we confirm on {weekday} {time}?",
    "I booked a tentative slot on {weekday} {time}.",
    "Feel free to call me on {weekday} {time}.",
    "I would like to finalise it on {weekday} {time}.",
    "We could do a short check-in on {weekday} {time}.",
    "Is {weekday} {time} still good for you?",
)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")

TIMES = (
    "morning",
    "afternoon",
    "at 9:30",
    "at 11:00",
    "after lunch",
    "around 3 pm",
    "late in the day",
    "at 10:15",
)

CLOSINGS = (
    "Thanks in advance.",
    "Talk soon.",
    "Looking forward to hearing from you.",
    "Thanks for your help.",
    "Let me know what you think.",
    "Have a good rest of the day.",
    "Speak soon.",
    "Thanks, as always.",
    "Hope that makes sense.",
    "Much appreciated.",
    "Have a great week.",
    "Happy to discuss.",
)

SIGNOFFS = (
    "Best,",
    "Kind regards,",
    "Thanks,",
    "Cheers,",
    "Regards,",
    "All the best,",
    "Best wishes,",
    "Warmly,",
)

REPLY_OPENERS = (
    "Thanks for the note.",
    "Thanks for getting in touch.",
    "Good to hear from you.",
    "Thanks, this is helpful.",
    "Appreciate the update.",
    "Thanks for sending this over.",
    "Got it, thank you.",
    "Thanks for the reminder.",
)

REPLY_BODIES = (
    "{weekday} {time} works for me.",
    "I will take a look and get back to you by {weekday}.",
    "That sounds good, let us go with it.",
    "I agree with your notes, nothing to add.",
    "I am a bit busy on {weekday}, could we do the day after?",
    "Looks good to me, happy to move forward.",
    "I shared it with the team and will report back.",
    "Let us keep it on the agenda for {weekday}.",
    "All clear on my side.",
    "I have a small comment, I will add it to the document.",
)

REPLY_CLOSINGS = ("Best,", "Thanks,", "Cheers,", "Regards,", "Talk soon,")

# The slots of a first message, in the order ``content`` decodes its combination index.
SLOTS: tuple[tuple[str, ...], ...] = (
    SUBJECT_OPENERS,
    TOPICS,
    OPENINGS,
    MIDDLES,
    DETAILS,
    ASKS,
    WEEKDAYS,
    TIMES,
    CLOSINGS,
    SIGNOFFS,
)
