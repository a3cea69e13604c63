"""Classifying one inbound email: bounce (RFC 3464 DSN, or the free-text bounces of classic
MTAs and large providers), complaint (RFC 5965 ARF), auto-reply (RFC 3834 and out-of-office
conventions), reply, or unknown — with the recipients, status codes, diagnostic, reply text,
and the ids of our messages it refers to, best first.

Owns the decision and the message-id matching (VERP return path ``b+<id>@bounces.<domain>``
and our ``<msg_….<suffix>@<domain>>`` Message-IDs). Parsing is the stdlib ``email`` package
via ``inbound_mime``; bounce wording is ``bounce_formats``; quote cutting is ``reply_text``.
Input is untrusted: nothing here raises for any bytes, every scan is bounded, and at most
``max_bytes`` are parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from chalicelib.core.clock import iso
from chalicelib.inbound.rules import bounce_formats, reply_text
from chalicelib.inbound.rules.mime_reader import (
    EMBEDDED_TYPES,
    FIELD_TYPES,
    Headers,
    Part,
    addresses,
    embedded_headers,
    field_blocks,
    first_address,
    html_text,
    is_attachment,
    param,
    parse,
    part_text,
    walk,
)
from chalicelib.mail.addresses import find_message_ids, find_quoted_message_ids, find_verp_ids

if TYPE_CHECKING:
    from email.message import Message

KINDS = ("bounce", "complaint", "auto_reply", "reply", "unknown")
MAX_IDS = 10
DELIVERY_STATUS = frozenset({"message/delivery-status", "message/global-delivery-status"})
FEEDBACK_REPORT = "message/feedback-report"
_FEEDBACK_TYPE = re.compile(r"[a-z0-9_\-]{1,40}", re.A)
_AUTO_FLAGS = ("x-autoreply", "x-autorespond")
_NO = ("no", "false", "0")
_OOO_START = re.compile(
    r"[\s\[(]{0,3}(?:out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?(?:reply|response)"
    r"|autoreply|auto:|abwesenheitsnotiz|abwesend|automatische antwort|r[ée]ponse automatique"
    r"|absence|i['’]?m away|i am away|on vacation|on leave|away from (?:the )?office"
    r"|vacation reply|automatisch antwoord|risposta automatica|respuesta autom[áa]tica"
    r"|fuera de la oficina|autosvar|auto-reply)(?!\w)",
    re.I,
)
_OOO_ANYWHERE = re.compile(
    r"out of (?:the )?office|automatic reply|auto[- ]?reply|abwesenheit|r[ée]ponse automatique",
    re.I,
)


@dataclass(frozen=True)
class Classification:
    kind: str  # bounce | complaint | auto_reply | reply | unknown
    bounce_type: str | None  # hard | soft (bounces only)
    recipients: tuple[str, ...]  # affected recipient addresses, lower-cased
    status_codes: tuple[str, ...]  # enhanced ("5.1.1") first, then SMTP ("550")
    diagnostic: str  # at most 500 characters
    message_ids: tuple[str, ...]  # our msg_… ids, best first
    subject: str
    from_address: str
    message_id_header: str
    received_at: str | None  # Date header as ISO 8601 UTC, if parseable
    reply_text: str  # replies and auto-replies: the new text, at most 10 000 characters
    feedback_type: str | None  # ARF Feedback-Type (complaints only)
    warmup_token: str = ""  # its X-PM-Warmup header (warm-up mail), at most 1000 characters


UNREADABLE = Classification("unknown", None, (), (), "", (), "", "", "", None, "", None)


def classify(
    raw: bytes, envelope_rcpt: str | None = None, max_bytes: int = 25 * 1024 * 1024
) -> Classification:
    """What ``raw`` is and what it refers to; never raises (unreadable input is ``unknown``)."""
    try:
        return _classify(bytes(raw[: max(0, max_bytes)]), str(envelope_rcpt or "")[:1000])
    except Exception:  # noqa: BLE001 - hostile input ends as unknown, never as a crash
        return UNREADABLE


@dataclass(frozen=True)
class _Mail:
    """One parsed inbound message and what every rule needs from it."""

    message: Message
    headers: Headers
    parts: list[Part]
    envelope_rcpt: str


def _classify(raw: bytes, envelope_rcpt: str) -> Classification:
    message = parse(raw)
    mail = _Mail(message, Headers(message), walk(message), envelope_rcpt)
    report = _report_part(mail)
    if report is not None and report.content_type == FEEDBACK_REPORT:
        return _complaint(mail, report)
    if report is not None:
        return _delivery_report(mail, report)
    report_type = _report_type(mail)
    if report_type == "feedback-report":  # its report part unreadable
        return _complaint(mail, None)
    if report_type == "delivery-status" or bounce_formats.is_free_text_bounce(
        mail.headers, lambda: _body_text(mail.parts), bool(_verp_ids(mail))
    ):
        return _bounce(mail, _text_bounce(mail, _body_text(mail.parts)))
    return _answer(mail)


# --- reports ----------------------------------------------------------------------------------


def _report_part(mail: _Mail) -> Part | None:
    for part in mail.parts:
        if not part.attached and part.content_type in FIELD_TYPES:
            return part
    return None


def _report_type(mail: _Mail) -> str:
    """``report-type`` of a top-level ``multipart/report`` (its report part may be missing)."""
    top = mail.parts[0]
    return param(top.message, "report-type") if top.content_type == "multipart/report" else ""


def _delivery_report(mail: _Mail, report: Part) -> Classification:
    blocks = field_blocks(report.message)
    if bounce_formats.only_successes(blocks):
        return _fields(mail, "unknown", _ids(mail, from_report=True))  # a delivery receipt
    found = bounce_formats.from_delivery_status(blocks, _ours(mail))
    worded = found is not None and bool(found.diagnostic)
    if found is None or not (found.recipients and found.status_codes):
        found = _merge(found, _text_bounce(mail, _body_text(mail.parts)))
    if not worded:  # codes without words: the report's text may say what they mean
        text = "\n".join(bounce_formats.report_lines(_body_text(mail.parts)))
        found = replace(found, bounce_type=bounce_formats.wording_type(text) or found.bounce_type)
    return _bounce(mail, found)


def _text_bounce(mail: _Mail, body: str) -> bounce_formats.Bounce:
    failed = " ".join(mail.headers.raw_all("x-failed-recipients"))
    return bounce_formats.from_text(body, mail.headers.text("subject"), failed, _ours(mail))


def _merge(
    first: bounce_formats.Bounce | None, second: bounce_formats.Bounce
) -> bounce_formats.Bounce:
    """A structured report's fields, gaps filled from its human-readable text."""
    if first is None:
        return second
    return bounce_formats.Bounce(
        bounce_type=first.bounce_type if first.status_codes else second.bounce_type,
        recipients=first.recipients or second.recipients,
        status_codes=first.status_codes or second.status_codes,
        diagnostic=first.diagnostic or second.diagnostic,
    )


def _bounce(mail: _Mail, found: bounce_formats.Bounce) -> Classification:
    return _fields(
        mail,
        "bounce",
        _ids(mail, from_report=True),
        bounce_type=found.bounce_type,
        recipients=found.recipients,
        status_codes=found.status_codes,
        diagnostic=found.diagnostic,
    )


def _complaint(mail: _Mail, report: Part | None) -> Classification:
    blocks = field_blocks(report.message) if report is not None else []
    fields = next((block for block in blocks if block), Headers())
    recipients = addresses(" ".join(fields.raw_all("original-rcpt-to")), 50)
    recipients += addresses(" ".join(fields.raw_all("removal-recipient")), 50)
    if not recipients:  # the embedded original's To: the recipient who complained
        recipients = [a for h in _embedded(mail) for a in addresses(h.raw("to"), 5)]
    return _fields(
        mail,
        "complaint",
        _ids(mail, from_report=True),
        recipients=tuple(dict.fromkeys(recipients))[:50],
        feedback_type=_feedback_type(fields),
    )


def _feedback_type(fields: Headers) -> str | None:
    """RFC 5965 Feedback-Type (abuse, fraud, virus, other…); None if the report has none."""
    value = fields.text("feedback-type").lower().split(";")[0].strip()
    if not value:
        return None
    return value if _FEEDBACK_TYPE.fullmatch(value) else "other"


def _embedded(mail: _Mail) -> list[Headers]:
    found = (embedded_headers(p) for p in mail.parts if p.content_type in EMBEDDED_TYPES)
    return [headers for headers in found if headers]


# --- replies ----------------------------------------------------------------------------------


def _answer(mail: _Mail) -> Classification:
    ids = _ids(mail, from_report=False)
    if _is_auto_reply(mail.headers):
        kind = "auto_reply"
    else:
        kind = "reply" if ids else "unknown"
    text = _body_text(mail.parts, stop_at_quote=True)
    return _fields(mail, kind, ids, reply_text=reply_text.extract(text))


def _is_auto_reply(headers: Headers) -> bool:
    """RFC 3834 Auto-Submitted, vendor auto-reply headers, Precedence, or the subject."""
    auto = headers.raw("auto-submitted").split(";")[0].strip().lower()
    if auto and auto != "no":
        return True
    if "x-ms-exchange-inbox-rules-loop" in headers:  # Exchange inbox rules answered
        return True
    if any(n in headers and headers.raw(n).strip().lower() not in _NO for n in _AUTO_FLAGS):
        return True
    precedence = headers.raw("precedence").strip().lower()
    subject = headers.text("subject")[:300]
    if precedence == "auto_reply" or _OOO_START.match(subject):
        return True
    return precedence in ("bulk", "junk", "list") and bool(_OOO_ANYWHERE.search(subject))


def _is_body(part: Part, content_type: str) -> bool:
    return (
        part.content_type == content_type and not part.attached and not is_attachment(part.message)
    )


def _body_text(parts: list[Part], stop_at_quote: bool = False) -> str:
    """The message's own text: its plain parts, else its first HTML part as text."""
    plain = [part_text(p.message) for p in parts if _is_body(p, "text/plain")]
    if plain:
        return "\n".join(plain)[: 64 * 1024]
    html = next((p for p in parts if _is_body(p, "text/html")), None)
    if html:
        return html_text(part_text(html.message), stop_at_quote)
    top = parts[0].message
    if parts[0].content_type.startswith("multipart/") and not top.is_multipart():
        return part_text(top)  # its boundary never occurs: the parts are one text
    return ""


# --- our message ids --------------------------------------------------------------------------


def _ids(mail: _Mail, from_report: bool) -> tuple[str, ...]:
    """Our ids, best first: VERP address we were sent to, the original inside a report, then
    In-Reply-To, then References (nearest ancestor first)."""
    found = _verp_ids(mail)
    if from_report:
        for headers in _embedded(mail):
            found += _our_message_ids(headers.raw("message-id"))
            found += _verp_in(headers.raw("return-path"))
        found += _inline_copy_ids(mail)
    found += _our_message_ids(mail.headers.raw("in-reply-to"))
    found += reversed(_our_message_ids(mail.headers.raw("references")[-8000:]))
    return tuple(dict.fromkeys(found))[:MAX_IDS]


def _verp_ids(mail: _Mail) -> list[str]:
    names = ("to", "delivered-to", "x-original-to", "envelope-to", "x-envelope-to")
    values = [v for name in names for v in mail.headers.raw_all(name)]
    return [i for value in [*values, mail.envelope_rcpt] for i in _verp_in(value)]


def _verp_in(value: str, limit: int = 4000) -> list[str]:
    """Ids of the VERP addresses (``b+<id>@…``) in a header value."""
    return find_verp_ids(value, limit)


def _our_message_ids(value: str) -> list[str]:
    found = find_message_ids(value)
    return found[-MAX_IDS:]  # the last are the nearest (References lists the oldest first)


def _inline_copy_ids(mail: _Mail) -> list[str]:
    """Free-text bounces often quote the returned message inline: its Message-ID and VERP."""
    text = _body_text(mail.parts)
    quoted = find_quoted_message_ids(text)[:MAX_IDS]
    return (quoted + _verp_in(text, len(text)))[:MAX_IDS]


def _ours(mail: _Mail) -> frozenset[str]:
    """Addresses on our side of the conversation: never a bounced recipient. The mailbox that
    received the bounce is ``envelope_rcpt``; its Delivered-To and X-Original-To say the same,
    or, once mail is forwarded or re-delivered, name an earlier hop (often the failed
    recipient itself), so they are not taken."""
    values = [mail.headers.raw(n) for n in ("from", "to")]
    return frozenset(addresses(" ".join([*values, mail.envelope_rcpt]), 40))


# --- common fields ----------------------------------------------------------------------------


def _fields(mail: _Mail, kind: str, ids: tuple[str, ...], **rest: object) -> Classification:
    values: dict[str, object] = {
        "bounce_type": None,
        "recipients": (),
        "status_codes": (),
        "diagnostic": "",
        "reply_text": "",
        "feedback_type": None,
    }
    values.update(rest)
    headers = mail.headers
    return Classification(
        kind=kind,
        message_ids=ids,
        subject=headers.text("subject")[:1000],
        from_address=first_address(headers.raw("from")),
        message_id_header=headers.clean("message-id")[:1000],
        received_at=_date(headers.raw("date")),
        warmup_token=headers.raw("x-pm-warmup").strip()[:1000],
        **values,  # type: ignore[arg-type]
    )


def _date(value: str) -> str | None:
    """The Date header as ISO 8601 UTC; a zone-less date is taken as UTC (RFC 5322 -0000)."""
    try:
        when = parsedate_to_datetime(value[:200])
        return iso(when if when.tzinfo else when.replace(tzinfo=UTC))
    except (TypeError, ValueError, IndexError, OverflowError, AttributeError):
        return None
