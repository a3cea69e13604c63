"""What a warm-up message says: its subject, text and (for some) HTML, written from the
phrase ``corpus``; the ``X-PM-Warmup`` header that lets the pool recognise it; and the reply
a pool mailbox writes in the same thread. Pure: no I/O, no clock, no global randomness.

A mailbox's messages of one day never repeat: ``compose`` takes the message's position in
the mailbox's day (``sequence``) and maps it to a combination of the corpus through a
permutation seeded by the sender and the day (``offset + sequence × stride`` modulo the
number of combinations, ``stride`` coprime with it), so positions below that number (some
hundreds of billions) always give different text. The same seed, sender and position always
give the same message. Warm-up mail carries no link, no tracking pixel and no unsubscribe
footer (the pool is not a list)."""

from __future__ import annotations

import hashlib
import html as html_lib
import math
import random
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.warmup import corpus

if TYPE_CHECKING:
    from datetime import datetime

WARMUP_HEADER = "X-PM-Warmup"
WARMUP_TAG = "warmup"
_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{8,200}")
_MSG_ID = re.compile(r"<[!-;=?-~]{1,250}>")
_REPLY_PREFIX = re.compile(r"^\s*re\s*:", re.I)
MAX_REFERENCES = 20


@dataclass(frozen=True)
class WarmupContent:
    subject: str
    text: str
    html: str | None


@dataclass(frozen=True)
class WarmupOriginal:
    """The received warm-up message a pool mailbox answers."""

    message_id: str  # its Message-ID header, angle brackets included
    from_address: str
    subject: str
    text: str
    sent_at: datetime | None = None
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class WarmupReply:
    """A reply in the original's thread: the sending path writes ``in_reply_to`` and
    ``references`` as the In-Reply-To and References fields."""

    subject: str
    text: str
    in_reply_to: str
    references: tuple[str, ...]


def warmup_headers(token: str) -> dict[str, str]:
    """The custom header that marks a message as warm-up mail for the pool. ``token`` is
    opaque (URL-safe or base64 characters, 8 to 200); ValueError for anything else."""
    if not _TOKEN.fullmatch(token):
        raise ValueError("a warm-up token is 8-200 characters of [A-Za-z0-9._~+/=-]")
    return {WARMUP_HEADER: token}


def combinations() -> int:
    """How many different first messages the corpus can write for one recipient."""
    return math.prod(len(slot) for slot in corpus.SLOTS)


def compose(sender: str, recipient: str, day_seed: str, *, sequence: int) -> WarmupContent:
    """The ``sequence``-th (0-based) warm-up message ``sender`` sends on the day ``day_seed``
    names (any string that differs per day, e.g. the date with a secret)."""
    if not 0 <= sequence < combinations():
        raise ValueError("sequence must be between 0 and the number of combinations")
    index = _permuted(_digest(f"{sender.lower()}|{day_seed}"), sequence, combinations())
    parts = _decode(index)
    rng = random.Random(f"{day_seed}|{sender.lower()}|{sequence}")
    subject = f"{parts[0]} {parts[1]}"
    paragraphs = _paragraphs(parts, _greeting(recipient, rng), _first_name(sender))
    text = "\n\n".join(paragraphs) + "\n"
    return WarmupContent(subject, text, _html(paragraphs) if rng.random() < 0.5 else None)


def compose_reply(original: WarmupOriginal, replier: str, seed: str) -> WarmupReply:
    """``replier``'s short answer to ``original``: ``Re:`` subject, In-Reply-To and
    References to the original's Message-ID, and the original quoted below."""
    if not _MSG_ID.fullmatch(original.message_id):
        raise ValueError(f"not a Message-ID: {original.message_id!r:.80}")
    rng = random.Random(f"{seed}|{original.message_id}|{replier.lower()}")
    body = _reply_body(rng, _first_name(replier))
    quoted = _quote(original)
    return WarmupReply(
        subject=_reply_subject(original.subject),
        text=f"{body}\n\n{quoted}",
        in_reply_to=original.message_id,
        references=_references(original),
    )


def _digest(value: str) -> int:
    return int.from_bytes(hashlib.sha256(value.encode("utf-8")).digest()[:16], "big")


def _permuted(seed: int, sequence: int, size: int) -> int:
    offset = seed % size
    stride = (seed >> 64) % size or 1
    while math.gcd(stride, size) != 1:
        stride += 1
    return (offset + sequence * stride) % size


def _decode(index: int) -> list[str]:
    """The slot entries of combination ``index`` (mixed radix), templates filled."""
    chosen = []
    for slot in corpus.SLOTS:
        index, digit = divmod(index, len(slot))
        chosen.append(slot[digit])
    opener, topic, opening, middle, detail, ask, weekday, time, closing, signoff = chosen
    return [
        opener,
        topic,
        opening,
        middle.format(topic=topic),
        detail,
        ask.format(weekday=weekday, time=time),
        closing,
        signoff,
    ]


def _paragraphs(parts: list[str], greeting: str, signature: str) -> list[str]:
    _opener, _topic, opening, middle, detail, ask, closing, signoff = parts
    return [greeting, f"{opening} {middle}", detail, f"{ask} {closing}", f"{signoff}\n{signature}"]


def _html(paragraphs: list[str]) -> str:
    body = "".join(f"<p>{html_lib.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return f"<html><body>{body}</body></html>"


def _first_name(address: str) -> str:
    """A plausible first name from an address's local part (``anna.smith`` -> ``Anna``);
    empty when the local part does not start with letters."""
    local = address.strip().rpartition("@")[0] or address.strip()
    match = re.match(r"[A-Za-z]{2,20}", local)
    return match.group(0).capitalize() if match else ""


def _greeting(recipient: str, rng: random.Random) -> str:
    name = _first_name(recipient)
    if not name:
        return rng.choice(corpus.NAMELESS_GREETINGS)
    return rng.choice(corpus.GREETINGS).format(name=name)


def _reply_body(rng: random.Random, signature: str) -> str:
    middle = rng.choice(corpus.REPLY_BODIES).format(
        weekday=rng.choice(corpus.WEEKDAYS), time=rng.choice(corpus.TIMES)
    )
    sign = f"{rng.choice(corpus.REPLY_CLOSINGS)}\n{signature}".rstrip()
    return f"{rng.choice(corpus.REPLY_OPENERS)} {middle}\n\n{sign}"


def _reply_subject(subject: str) -> str:
    subject = subject.strip()
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}"


def _references(original: WarmupOriginal) -> tuple[str, ...]:
    """The original's References plus its Message-ID; a long chain keeps its first id and
    the latest ones (RFC 5322, 3.6.4)."""
    chain = [r for r in original.references if _MSG_ID.fullmatch(r)] + [original.message_id]
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return tuple(chain)


def _quote(original: WarmupOriginal) -> str:
    when = original.sent_at.strftime("%a, %d %b %Y at %H:%M") if original.sent_at else ""
    intro = (
        f"On {when}, {original.from_address} wrote:"
        if when
        else (f"{original.from_address} wrote:")
    )
    lines = original.text.rstrip("\n").split("\n")
    return intro + "\n" + "\n".join(f"> {line}" if line else ">" for line in lines) + "\n"
