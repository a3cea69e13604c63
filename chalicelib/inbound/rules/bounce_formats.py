"""Reading bounces: the per-recipient fields of an RFC 3464 delivery-status report, and the
free-text bounces of classic MTAs (Postfix, Exim, qmail, Sendmail) and large providers (Gmail,
Exchange/Outlook): whether a message is one, the failed recipients, the status codes, the
diagnostic, and hard vs soft.

Pure text work over what ``inbound_mime`` decoded. Every pattern is applied to single lines of
bounded length, and only to a bounded number of lines, so no input can make a scan slow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.inbound.rules.mime_reader import Headers, addresses

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

MAX_LINES = 400  # lines of a bounce's report text looked at
LINE_LIMIT = 1000  # characters of one line looked at
MARKER_SCAN = 8000  # characters searched for a bounce's opening phrases
DIAGNOSTIC_LIMIT = 500
MAX_CODES = 10
MAX_RECIPIENTS = 50
SUCCESS_ACTIONS = frozenset({"delivered", "relayed", "expanded"})
# Permanent by class, temporary by nature: mailbox full, mailing list full, message too large.
SOFT_PERMANENT = frozenset({"5.2.2", "5.2.3", "5.3.4"})

ENHANCED = re.compile(r"(?<![\d.])([45])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)", re.A)
SMTP_CODE = re.compile(r"(?<![\w.+-])([45][0-5]\d)(?=[ -]\S|\s*$)", re.A)
# Temporary by nature whatever the reply class: a full mailbox, a message too large, a rate
# limit, or a delivery that expired after retrying (PRODUCT.md: soft bounces).
_SOFT_WORDING = re.compile(
    r"(?:over|exceeded?|exceeds|exceeding|reached) (?:the |its |their |his |her |your )?"
    r"(?:mailbox |disk |storage |user )?quota|quota (?:exceeded|full|reached)|"
    r"(?:mailbox|mail ?folder|inbox) (?:is )?full|mailbox size limit|mailbox exceed|"
    r"insufficient (?:system )?storage|exceeded storage|not enough (?:disk )?space|disk full|"
    r"(?:message|mail|email) (?:is |was )?too (?:large|big)|message size exceeds|"
    r"exceeds? (?:the )?(?:maximum |max )?(?:message )?size|size limit|"
    r"too many (?:connections|concurrent|messages|recipients|sessions)|rate limit|"
    r"rate-limit|throttl|at a rate that|frequency limit|"
    r"retry time(?:out)? (?:not reached|exceeded)|(?:message|delivery|envelope) (?:time )?expired|"
    r"failing for a long time|aborted after|"
    r"not delivered within|could not be delivered within|"
    r"could not (?:be )?deliver(?:ed)? for (?:the last|more than|the past)",
    re.I,
)
# Delivery gave up on an unreachable host: soft when no reply code says otherwise.
_UNREACHABLE = re.compile(
    r"did not accept our requests to connect|(?:could not|unable to) connect|timed out|"
    r"not responding|not reachable|unreachable|failed \d{1,3} attempts",
    re.I,
)
# The address itself is wrong: permanent whatever the reply class.
_HARD_WORDING = re.compile(
    r"user unknown|unknown user|no such (?:user|mailbox|recipient|address)|"
    r"unknown (?:recipient|mailbox)|(?:user|mailbox|recipient|address|account) "
    r"(?:does not|doesn't) exist|invalid (?:recipient|mailbox)|not a valid (?:mailbox|user)",
    re.I,
)
_DELAY = re.compile(
    r"\(delay\)|delayed|deferred|temporar|not yet been delivered|will (?:continue to )?retry|"
    r"still trying|try again later|could not send message for past",
    re.I,
)
_DAEMON_FROM = re.compile(
    r"mailer[- ]daemon|post_?master|mail delivery (?:subsystem|system)|microsoftexchange|"
    r"mail administrator",
    re.I,
)
_BOUNCE_SUBJECT = re.compile(
    r"\s*(?:undelivered mail returned to sender|undeliver(?:ed|able)\b|"
    r"delivery status notification \((?:failure|delay)\)|mail delivery failed|failure notice|"
    r"returned mail\b|delivery (?:has )?failed|delivery failure|non[- ]?deliver(?:y|able)|"
    r"mail system error|warning: could not send message|delayed mail|"
    r"message delivery (?:has been )?delayed|unzustellbar|non remis|no se puede entregar|"
    r"non recapitabile|onbestelbaar|não entregue|"
    r"(?:permanent )?(?:failure|failed) delivery|permanent delivery failure|"
    r"delivery status notification\b|mail failed|mail could not be delivered)",
    re.I,
)
_BODY_MARKER = re.compile(
    r"this is the mail system at host|a message that you sent could not be delivered|"
    r"this is the qmail-send program|the original message was received at|"
    r"transcript of session follows|address not found|"
    r"the email account that you tried to reach|delivery has failed to these recipients|"
    r"remote server returned|couldn't be delivered|could not be delivered to|"
    r"delivery to the following recipients? failed|permanent fatal errors|"
    r"has not yet been delivered|your message wasn't delivered|mail delivery software",
    re.I,
)
_COPY_FOLLOWS = re.compile(
    r"[\s|=*-]{0,40}(?:(?:this|included|here|below) is a copy of the (?:original )?message|"
    r"message text follows|"
    r"below this line is a copy of the message|"
    r"(?:original|unsent|returned) message(?: headers)?(?: (?:follows|is following))?[\s.:-]*$|"
    r"original message headers|message headers follow|the header of the original message|"
    r"the original message headers? (?:is|are|was|were|follows?))",
    re.I,
)
# The first field of a returned message's header block, quoted inline with no marker line.
_QUOTED_HEADER = re.compile(
    r"(?:received|return-path|message-id|date|from|to|subject|mime-version|reply-to|"
    r"dkim-signature|x-mailer|content-type|delivered-to|sender|list-[a-z-]{1,20})\s?:",
    re.I,
)
_HEADER_LINE = re.compile(r"[A-Za-z0-9-]{1,60}\s?:|[ \t]")
_RECIPIENT = re.compile(
    r"^\s*<([^<>\s@]{1,64}@[^<>\s@]{1,254})>\s*(?::|\.\.\.|\(expanded from)"  # Postfix,
    # qmail, Sendmail: "<a@b>: ...", "<a@b>... User unknown"
    r"|rcpt to:?\s*<([^<>\s@]{1,64}@[^<>\s@]{1,254})>"  # SMTP transcripts (Exim, Sendmail)
    r"|^\s*[45]\d\d[ -](?:[45]\.\d{1,3}\.\d{1,3}\s+)?<([^<>\s@]{1,64}@[^<>\s@]{1,254})>"
    r"(?::|\.\.\.)"  # a reply about the recipient: "550 5.1.1 <a@b>: ...", "554 <a@b>... ..."
    r"|^([^<>\s@:]{1,64}@[^<>\s@:]{1,254}):\s*$"  # Exim-like "a@b:" on its own line
    r"|^\s*final-recipient\s*:\s*rfc[- /]?822\s*;\s*<?([^<>\s@]{1,64}@[^<>\s@]{1,254})"
    r"|^\s*([^<>\s@]{1,64}@[^<>\s@]{1,254}) on (?:\w{3}, )?\d"  # Exchange 2003 "a@b on <date>"
    r"|error delivering (?:your )?(?:mail|message) to <([^<>\s@]{1,64}@[^<>\s@]{1,254})>"
    r"|(?:delivered to|message to|delivery to|addressed to|recipient:?)\s+<?"
    r"([^<>\s@]{1,64}@[^<>\s@(),;]{1,254})"  # Gmail, Outlook prose
    r"|^[^()<>@]{0,100}\(([^()\s@]{1,64}@[^()\s@]{1,254})\)\s*(?:<mailto:[^<>]{0,300}>)?\s*$",
    re.I,  # the last: Exchange's "Display Name (a@b)"
)
# A line holding only an address (Exim, old Gmail), maybe "(a@b)" or "<mailto:a@b>" (Exchange).
_BARE_RECIPIENT = re.compile(
    r"\s*(?:\*\s)?<?([^<>\s@]{1,64}@[^<>\s@]{1,254})>?\s*(?:\([^()]{0,300}\)|<mailto:[^<>]{0,300}>)?\s*"
)
# The line before the sender's address in Exim's "A message sent by\n  <a@b>\ncould not...".
_SENT_BY = re.compile(r"\b(?:sent|sent by|from)\s*:?\s*$", re.I)
_REASON = re.compile(
    r"user unknown|unknown user|does not exist|not found|no such user|no mailbox|rejected|"
    r"quota|mailbox (?:is )?full|disabled|denied|blocked",
    re.I,
)


@dataclass(frozen=True)
class Bounce:
    bounce_type: str  # hard | soft
    recipients: tuple[str, ...]
    status_codes: tuple[str, ...]
    diagnostic: str


# --- RFC 3464 -------------------------------------------------------------------------------


def from_delivery_status(blocks: list[Headers], exclude: frozenset[str]) -> Bounce | None:
    """The failures in a delivery-status report; None if it names no failed recipient."""
    failures = (_failure(block) for block in blocks if _is_recipient_block(block))
    found = [failure for failure in failures if failure is not None]
    if not found:
        return None
    recipients = [r for f in found for r in f.recipients if keep_recipient(r, exclude, True)]
    return Bounce(
        bounce_type="hard" if any(f.bounce_type == "hard" for f in found) else "soft",
        recipients=_unique(recipients, MAX_RECIPIENTS),
        status_codes=_unique((c for f in found for c in f.status_codes), MAX_CODES),
        diagnostic="; ".join(f.diagnostic for f in found if f.diagnostic)[:DIAGNOSTIC_LIMIT],
    )


def only_successes(blocks: list[Headers]) -> bool:
    """A report whose every recipient was delivered, relayed or expanded (not a bounce)."""
    actions = [_action(block) for block in blocks if _is_recipient_block(block)]
    return bool(actions) and all(action in SUCCESS_ACTIONS for action in actions)


def _action(block: Headers) -> str:
    return (block.text("action").lower().split() or [""])[0]


def _is_recipient_block(block: Headers) -> bool:
    return any(name in block for name in ("final-recipient", "original-recipient", "action"))


def _failure(block: Headers) -> Bounce | None:
    action = _action(block)
    if action in SUCCESS_ACTIONS:
        return None
    diagnostic = _after_type(block.text("diagnostic-code"))[:DIAGNOSTIC_LIMIT]
    enhanced = enhanced_codes(block.text("status")) + enhanced_codes(diagnostic)
    smtp = smtp_codes(diagnostic)
    # The final recipient failed; the original one is the alias it was expanded from.
    recipients = addresses(_after_type(block.text("final-recipient")), 5)
    recipients = recipients or addresses(_after_type(block.text("original-recipient")), 5)
    kind = "soft" if action == "delayed" else bounce_type(enhanced, smtp, diagnostic, "hard")
    return Bounce(kind, tuple(recipients), tuple(_unique(enhanced + smtp, MAX_CODES)), diagnostic)


def _after_type(value: str) -> str:
    """``rfc822; a@b`` -> ``a@b``, ``smtp; 550 …`` -> ``550 …`` (RFC 3464 typed fields)."""
    kind, semicolon, rest = value.partition(";")
    return rest.strip() if semicolon and len(kind) <= 20 else value.strip()


# --- codes and hard/soft --------------------------------------------------------------------


def enhanced_codes(text: str) -> list[str]:
    return [".".join(m.groups()) for m in ENHANCED.finditer(text[: LINE_LIMIT * 4])][:MAX_CODES]


def smtp_codes(text: str) -> list[str]:
    return [m.group(1) for m in SMTP_CODE.finditer(text[: LINE_LIMIT * 4])][:MAX_CODES]


def bounce_type(enhanced: list[str], smtp: list[str], text: str, default: str) -> str:
    """Hard or soft: an unknown address is hard and a full mailbox, too large a message, a
    rate limit or an expired delivery soft, whatever the codes say; else the most specific
    codes found; else the wording."""
    scan = text[:MARKER_SCAN]
    worded = wording_type(scan)
    if worded:
        return worded
    specific = [c for c in enhanced if not c.endswith(".0.0")] or enhanced
    if specific:
        return "soft" if all(_soft_enhanced(c) for c in specific) else "hard"
    if smtp:
        return "soft" if all(code.startswith("4") for code in smtp) else "hard"
    return "soft" if _DELAY.search(scan) or _UNREACHABLE.search(scan) else default


def wording_type(text: str) -> str | None:
    """Hard or soft when the wording alone decides it (see ``bounce_type``), else None."""
    scan = text[:MARKER_SCAN]
    if _HARD_WORDING.search(scan):
        return "hard"
    return "soft" if _SOFT_WORDING.search(scan) else None


def _soft_enhanced(code: str) -> bool:
    return code.startswith("4.") or code in SOFT_PERMANENT


# --- free-text bounces ----------------------------------------------------------------------


def is_free_text_bounce(headers: Headers, body: Callable[[], str], to_verp: bool) -> bool:
    """At least two independent signs: a mailer-daemon sender, a bounce subject, a bounce's
    wording, an Exim failed-recipients header, or the envelope of one (null sender or sent to
    our VERP address — one sign together: RFC 3834 auto-replies have both). ``body`` is only
    read when the headers leave it open."""
    signals = sum(
        (
            bool(_DAEMON_FROM.search(headers.text("from")[:500])),
            bool(_BOUNCE_SUBJECT.match(headers.text("subject")[:300])),
            "x-failed-recipients" in headers,
            to_verp or _null_sender(headers.raw("return-path")),
        )
    )
    if signals >= 2:
        return True
    return signals == 1 and bool(_BODY_MARKER.search(body()[:MARKER_SCAN]))


def _null_sender(return_path: str) -> bool:
    """The envelope sender of a bounce: null, or the mail system's own (``<MAILER-DAEMON>``)."""
    value = return_path.strip().lower()
    return value in ("<>", "< >") or value.startswith("<mailer-daemon")


def from_text(text: str, subject: str, failed_header: str, exclude: frozenset[str]) -> Bounce:
    """Recipients, codes and diagnostic read from a bounce's human-readable text."""
    lines = report_lines(text)
    enhanced = [c for line in lines for c in enhanced_codes(line)]
    smtp = [c for line in lines for c in smtp_codes(line)]
    report = "\n".join(lines)
    return Bounce(
        bounce_type=bounce_type(enhanced, smtp, f"{subject}\n{report}", "hard"),
        recipients=_text_recipients(lines, failed_header, exclude),
        status_codes=_unique(enhanced + smtp, MAX_CODES),
        diagnostic=_diagnostic(lines),
    )


def report_lines(text: str) -> list[str]:
    """The report's lines, bounded, up to where the returned copy of the message starts: a
    marker line, or a header block quoted with no marker."""
    raw = text.replace("\r\n", "\n").split("\n", MAX_LINES)[:MAX_LINES]
    lines: list[str] = []
    for at, line in enumerate(raw):
        line = line[:LINE_LIMIT].rstrip()
        if lines and (_COPY_FOLLOWS.match(line) or _quoted_headers_start(raw, at)):
            break
        lines.append(line)
    return lines


def _quoted_headers_start(raw: list[str], at: int) -> bool:
    """``raw[at]`` opens a block of header fields (a returned message's): it follows a blank
    line, names a usual field, and the next lines are fields or their continuations."""
    if at == 0 or raw[at - 1].strip() or not _QUOTED_HEADER.match(raw[at]):
        return False
    following = raw[at + 1 : at + 4]
    fields = sum(1 for n in following if _HEADER_LINE.match(n) and n.strip())
    return len(following) >= 2 and fields == len(following)


def _text_recipients(lines: list[str], failed_header: str, exclude: frozenset[str]) -> tuple:
    """The failed recipients the report names in a known layout (its own words first, then
    Exim's header); else any address in the report that is not ours."""
    named: list[str] = []
    loose: list[str] = []
    previous = ""
    for line in lines:
        if match := _RECIPIENT.search(line):
            named += addresses(next(g for g in match.groups() if g), 1)
        elif (match := _BARE_RECIPIENT.fullmatch(line)) and not _SENT_BY.search(previous):
            loose += addresses(match.group(1), 1)
        previous = line or previous
    kept = [r for r in named if keep_recipient(r, exclude, True)]
    kept += [r for r in loose if r not in exclude and keep_recipient(r, exclude, True)]
    if not kept:
        kept = [r for r in addresses(failed_header, MAX_RECIPIENTS) if keep_recipient(r, exclude)]
    if not kept:  # no recognised layout: any address in the report will have to do
        kept = [r for r in addresses("\n".join(lines), 20) if keep_recipient(r, exclude)][:3]
    return _unique(kept, MAX_RECIPIENTS)


def keep_recipient(address: str, exclude: frozenset[str], named: bool = False) -> bool:
    """Never a VERP address of ours. An address the report names as the failed recipient is
    taken as it is (even postmaster, even an address of our own side: mail may be sent
    there); one merely found in the text must not be ours nor a mail system's own."""
    local = address.partition("@")[0]
    if local.startswith("b+"):
        return False
    if named:
        return True
    return address not in exclude and local not in ("mailer-daemon", "postmaster")


def _diagnostic(lines: list[str]) -> str:
    picked: list[str] = []
    for at, line in enumerate(lines):
        if len(picked) >= 6:
            break
        if ENHANCED.search(line) or SMTP_CODE.search(line):
            picked.append(line.strip())
            picked += [n.strip() for n in lines[at + 1 : at + 3] if n[:1].isspace() and n.strip()]
    if not picked:
        picked = [line.strip() for line in lines if _REASON.search(line)][:2]
    return " ".join(_unique(picked, 10))[:DIAGNOSTIC_LIMIT]


def _unique(values: Iterable[str], limit: int) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))[:limit]
