"""The new text of a reply: the body cut where the quoted history or the signature starts.

Knows the quote headers of the common mail clients in English, French, German and a few other
languages ("On … wrote:", "Le … a écrit :", "Am … schrieb …:", "-----Original Message-----",
Outlook's "From: … / Sent: …" block), ``>`` quoting and the ``-- `` signature delimiter.
Line based, with bounded line count and length, so any input is cut in linear time.
"""

from __future__ import annotations

import re

LIMIT = 10_000  # characters of reply text kept
MAX_LINES = 2000
LINE_LIMIT = 1000
ATTRIBUTION_LIMIT = 400  # an attribution line longer than this is prose, not a quote header

_LEAD = re.compile(r"(?:on|le|am|el|il|op|em|den|dnia|w dniu)\s", re.I)
_VERB = re.compile(
    r"(?:wrote|a [ée]crit|schrieb|escribi[óo]|ha scritto|schreef|escreveu|skrev|napisa[łl])"
    r"(?:\s.{0,120})?\s?:$",
    re.I,
)
_SEPARATOR = re.compile(
    r"[-_=*\s]{2,}\s*(?:original message|ursprüngliche nachricht|original-nachricht|"
    r"message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht|"
    r"forwarded message|weitergeleitete nachricht|message transféré)\s*[-_=*\s]*",
    re.I,
)
_FROM_FIELD = re.compile(r"\*?(?:from|von|de|da|van|fr[åa]n|fra)\s?:\*?\s?\S", re.I)
_SENT_FIELD = re.compile(
    r"\*?(?:sent|date|gesendet|datum|envoy[ée]|enviado|inviato|verzonden|skickat|sendt)\s?:",
    re.I,
)


def extract(text: str) -> str:
    """``text`` up to its first quote header, quoted line or signature, tidied and bounded."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n", MAX_LINES)[:MAX_LINES]
    lines = [line[:LINE_LIMIT].rstrip() for line in lines]
    kept = lines[: _cut_at(lines)]
    tidy = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return tidy[:LIMIT]


def _cut_at(lines: list[str]) -> int:
    for at, line in enumerate(lines):
        if _starts_history(lines, at, line.strip()):
            return at
    return len(lines)


def _starts_history(lines: list[str], at: int, line: str) -> bool:
    if line.startswith(">") or line in ("--", "-- ") or _SEPARATOR.fullmatch(line):
        return True
    if _is_attribution(line) or (_LEAD.match(line) and _is_attribution(_joined(lines, at))):
        return True  # the second form: a client wrapped "On … <\nalice@…> wrote:"
    if _FROM_FIELD.match(line) or (len(line) >= 10 and set(line) == {"_"}):
        return any(_SENT_FIELD.match(n.strip()) for n in lines[at + 1 : at + 5])
    return False


def _is_attribution(line: str) -> bool:
    if len(line) > ATTRIBUTION_LIMIT or not line.endswith(":"):
        return False
    verb = _VERB.search(line)
    return bool(verb and (_LEAD.match(line) or verb.end() - verb.start() < 40))


def _joined(lines: list[str], at: int) -> str:
    return " ".join(line.strip() for line in lines[at : at + 2])
