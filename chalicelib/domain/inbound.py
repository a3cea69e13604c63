"""Classifying one inbound email: bounce (RFC 3464 DSN, or the free-text bounces of classic
MTAs and large providers), complaint (RFC 5965 ARF), auto-reply (RFC 3834 and out-of-office
conventions), reply, or unknown — with the recipients, status codes, diagnostic, and the ids
of our messages it refers to (VERP return path, then In-Reply-To/References).

Parsing is the stdlib ``email`` package; input is untrusted, so nothing here raises for any
bytes, every text scan is bounded, and at most ``max_bytes`` are parsed.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import re
from dataclasses import dataclass
from datetime import UTC
from email.message import Message
from email.utils import parsedate_to_datetime

SCAN = 64 * 1024  # characters of a body part looked at by the text heuristics
_OUR_ID = re.compile(r"\b(msg_[a-z2-7]{12,40})\b")
_VERP = re.compile(r"\bb\+(msg_[a-z2-7]{12,40})@", re.I)
_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"\b([45]\d\d)[ -]")
_ADDRESS = re.compile(r"<?([A-Za-z0-9._%+\-=]{1,64}@[A-Za-z0-9.\-]{1,253}\.[A-Za-z]{2,63})>?")
_SOFT = {"4", "5.2.2", "5.3.4", "5.2.3"}
_BOUNCE_FROM = re.compile(r"mailer-daemon|postmaster|mail delivery (subsystem|system)", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|returned mail|delivery (status notification|has failed|failure)|"
    r"mail delivery failed|failure notice|could not be delivered|non remis|unzustellbar",
    re.I,
)
_AUTO_SUBJECT = re.compile(
    r"out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response)|^auto:|"
    r"abwesenheit|r[ée]ponse automatique|i'?m away|on vacation|on leave|autoreply",
    re.I,
)
_QUOTE_START = re.compile(
    r"^(on .{0,200} wrote:|le .{0,200} a [ée]crit ?:|am .{0,200} schrieb .{0,100}:|"
    r"-{2,}\s*original message\s*-{2,}|from: .{0,200}|_{5,})\s*$",
    re.I,
)


@dataclass(frozen=True)
class Classification:
    kind: str  # bounce | complaint | auto_reply | reply | unknown
    bounce_type: str | None
    recipients: tuple[str, ...]
    status_codes: tuple[str, ...]
    diagnostic: str
    message_ids: tuple[str, ...]
    subject: str
    from_address: str
    message_id_header: str
    received_at: str | None
    reply_text: str
    feedback_type: str | None


def classify(
    raw: bytes, envelope_rcpt: str | None = None, max_bytes: int = 25 * 1024 * 1024
) -> Classification:
    try:
        return _classify(raw[:max_bytes])
    except Exception:  # noqa: BLE001 - hostile input ends as unknown, never as a crash
        return Classification("unknown", None, (), (), "", (), "", "", "", None, "", None)


def _classify(raw: bytes) -> Classification:
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    report = _report_type(message)
    if report == "delivery-status" or (not report and _looks_like_bounce(message)):
        return _bounce(message, structured=report == "delivery-status")
    if report == "feedback-report":
        return _complaint(message)
    kind = "auto_reply" if _is_auto_reply(message) else "reply"
    ids = _our_ids(message, include_body=False)
    return _common(message, kind if ids else "unknown", ids, reply_text=_reply_text(message))


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    if value is None:
        return ""
    try:
        text = str(email.header.make_header(email.header.decode_header(str(value))))
    except Exception:  # noqa: BLE001 - a broken encoded word is kept as it came
        text = str(value)
    return " ".join(text.split())[:1000]


def _common(message: Message, kind: str, ids: tuple[str, ...], **fields: object) -> Classification:
    values: dict[str, object] = {
        "bounce_type": None,
        "recipients": (),
        "status_codes": (),
        "diagnostic": "",
        "reply_text": "",
        "feedback_type": None,
    }
    values.update(fields)
    from_match = _ADDRESS.search(_header(message, "From"))
    return Classification(
        kind=kind,
        message_ids=ids,
        subject=_header(message, "Subject"),
        from_address=from_match.group(1).lower() if from_match else "",
        message_id_header=_header(message, "Message-ID"),
        received_at=_date(_header(message, "Date")),
        **values,  # type: ignore[arg-type]
    )


def _date(value: str) -> str | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _report_type(message: Message) -> str:
    if message.get_content_type() != "multipart/report":
        return ""
    return str(message.get_param("report-type") or "").lower()


def _looks_like_bounce(message: Message) -> bool:
    """Free-text bounces: a bounce-like subject from a mailer daemon, or sent to our VERP."""
    if not _BOUNCE_SUBJECT.search(_header(message, "Subject")):
        return False
    daemon = _BOUNCE_FROM.search(_header(message, "From"))
    return bool(daemon or _VERP.search(str(message.get("To", ""))[:2000]))


def _parts(message: Message) -> list[Message]:
    return list(message.walk())[:200]


def _text_of(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        payload = None
    if isinstance(payload, bytes):
        charset = part.get_content_charset() or "utf-8"
        try:
            return payload[: SCAN * 4].decode(charset, errors="replace")[:SCAN]
        except LookupError:
            return payload[: SCAN * 4].decode("utf-8", errors="replace")[:SCAN]
    inner = part.get_payload()
    if isinstance(inner, list):
        return "\n".join(str(p)[:SCAN] for p in inner)[:SCAN]
    return str(inner or "")[:SCAN]


def _our_ids(message: Message, include_body: bool) -> tuple[str, ...]:
    found: list[str] = []
    for name in ("To", "Delivered-To", "X-Original-To", "Return-Path"):
        found += [m.lower() for m in _VERP.findall(str(message.get(name, ""))[:2000])]
    for name in ("In-Reply-To", "References"):
        found += _OUR_ID.findall(str(message.get(name, ""))[:8000])
    if include_body:
        for part in _parts(message)[1:]:
            if part.get_content_type() in (
                "message/rfc822",
                "text/rfc822-headers",
                "message/rfc822-headers",
            ):
                text = _text_of(part)
                found += [m.lower() for m in _VERP.findall(text)]
                found += _OUR_ID.findall(text)
        found += [m.lower() for m in _VERP.findall(_body_text(message))]
    return tuple(dict.fromkeys(found))[:10]


def _body_text(message: Message) -> str:
    texts = [_text_of(p) for p in _parts(message) if p.get_content_type() == "text/plain"]
    return "\n".join(texts)[:SCAN]


def _bounce(message: Message, structured: bool) -> Classification:
    recipients, codes, diagnostics = [], [], []
    if structured:
        for part in _parts(message):
            if part.get_content_type() == "message/delivery-status":
                _status_fields(_text_of(part), recipients, codes, diagnostics)
    if not codes:
        text = _body_text(message)
        codes += [".".join(m) for m in _ENHANCED.findall(text)][:5] or _SMTP_CODE.findall(text)[:3]
        recipients += [a.lower() for a in _ADDRESS.findall(text) if not _VERP.search(a)][:5]
        diagnostics.append(_first_line_with_code(text))
    soft = bool(codes) and all(c.split(".")[0] == "4" or c in _SOFT for c in codes)
    return _common(
        message,
        "bounce",
        _our_ids(message, include_body=True),
        bounce_type="soft" if soft else "hard",
        recipients=tuple(dict.fromkeys(recipients)),
        status_codes=tuple(dict.fromkeys(codes)),
        diagnostic=" ".join(d for d in diagnostics if d)[:500],
    )


def _status_fields(text: str, recipients: list, codes: list, diagnostics: list) -> None:
    for line in text.splitlines()[:500]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name in ("final-recipient", "original-recipient"):
            address = _ADDRESS.search(value)
            if address:
                recipients.append(address.group(1).lower())
        elif name == "status" and _ENHANCED.search(value):
            codes.append(".".join(_ENHANCED.search(value).groups()))  # type: ignore[union-attr]
        elif name == "diagnostic-code":
            diagnostics.append(value.partition(";")[2].strip() or value)


def _first_line_with_code(text: str) -> str:
    for line in text.splitlines()[:400]:
        if _SMTP_CODE.search(line) or _ENHANCED.search(line):
            return line.strip()[:300]
    return ""


def _complaint(message: Message) -> Classification:
    feedback, recipients = None, []
    for part in _parts(message):
        if part.get_content_type() == "message/feedback-report":
            for line in _text_of(part).splitlines()[:200]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "feedback-type":
                    feedback = value.strip().lower()[:40]
                elif name.strip().lower() in ("original-rcpt-to", "removal-recipient"):
                    address = _ADDRESS.search(value)
                    if address:
                        recipients.append(address.group(1).lower())
    return _common(
        message,
        "complaint",
        _our_ids(message, include_body=True),
        recipients=tuple(dict.fromkeys(recipients)),
        feedback_type=feedback or "abuse",
    )


def _is_auto_reply(message: Message) -> bool:
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return True
    if any(message.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress")):
        return True
    if str(message.get("Precedence", "")).strip().lower() == "auto_reply":
        return True
    return bool(_AUTO_SUBJECT.search(_header(message, "Subject")))


def _reply_text(message: Message) -> str:
    text = _body_text(message)
    if not text:
        html = [_text_of(p) for p in _parts(message) if p.get_content_type() == "text/html"]
        text = re.sub(r"<[^>]{0,2000}>", " ", "\n".join(html))[:SCAN]
    kept = []
    for line in text.splitlines()[:2000]:
        stripped = line.strip()
        if stripped.startswith(">") or _QUOTE_START.match(stripped) or stripped == "--":
            break
        kept.append(line.rstrip())
    return "\n".join(kept).strip()[:10_000]
