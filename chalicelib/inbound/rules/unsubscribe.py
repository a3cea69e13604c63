"""Mail to a message's unsubscribe address: ``unsubscribe+<message id>@bounces.<domain>``,
the ``mailto:`` of its ``List-Unsubscribe`` header. Such a mail is a request to stop, whatever
its subject or body, so it is recognised by where it was sent, before and apart from
classification: the top-level recipient fields (``To``, ``Cc``, and the fields the receiving
server adds: ``Delivered-To``, ``X-Original-To``, ``Envelope-To``) and the envelope recipient.

Which message is named is only a claim: the service acts only when the id is one of the
receiving tenant's messages and the address is that message's own (the bounce host of the
domain it was sent from). Input is untrusted: nothing here raises, and only the header block
(at most 64 KB) is read.
"""

from __future__ import annotations

from email import policy
from email.parser import BytesHeaderParser

from chalicelib.mail.addresses import bounce_domain, find_unsubscribe_addresses, idna

RECIPIENT_FIELDS = ("to", "cc", "delivered-to", "x-original-to", "envelope-to", "x-envelope-to")
MAX_HEADER_BYTES = 64 * 1024
MAX_TARGETS = 10


def unsubscribe_targets(raw: bytes, envelope_rcpt: str = "") -> tuple[tuple[str, str], ...]:
    """(message id, bounce host) of each unsubscribe address the mail was sent to, in order;
    empty for any other mail (or unreadable bytes)."""
    try:
        head = bytes(raw[:MAX_HEADER_BYTES])
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(head)
        values = [str(v) for name in RECIPIENT_FIELDS for v in headers.get_all(name) or ()]
        found = [p for v in [*values, str(envelope_rcpt)] for p in find_unsubscribe_addresses(v)]
    except Exception:  # noqa: BLE001 - hostile input is simply not an unsubscribe request
        return ()
    return tuple(dict.fromkeys(found))[:MAX_TARGETS]


def is_own_address(host: str, from_address: str) -> bool:
    """Whether ``host`` is the bounce host of the domain ``from_address`` sends from: the
    unsubscribe address the message itself advertised."""
    try:
        return host == bounce_domain(idna(from_address.rpartition("@")[2]))
    except ValueError:
        return False
