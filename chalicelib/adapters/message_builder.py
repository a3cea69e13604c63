"""From a stored message to signed RFC 5322 bytes: render the recipient's variables, rewrite
links and add the open pixel when tracking is on, build the MIME (``mime.build``) and sign it
with the domain's active DKIM key (``mime.sign``, RSA through ``cryptography``).

Every email carries one-click unsubscribe headers (signed) and the tenant's postal-address
footer: cold email is bulk mail under Gmail's and Yahoo's sender rules and CAN-SPAM. The
unsubscribe link is a signed token on the tenant's tracking host, never rewritten for clicks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.adapters import mime
from chalicelib.domain import templating, tracking_links, tracking_tokens
from chalicelib.domain.messages import Message

TOKEN_LIFETIME_SECONDS = 400 * 24 * 3600


@dataclass(frozen=True)
class SendingIdentity:
    """What the email needs from the tenant, the domain and the mailbox."""

    domain_name: str
    selector: str
    private_key_pem: str
    postal_address: str | None
    tracking_base_url: str  # e.g. https://t.example.com


@dataclass(frozen=True)
class Built:
    data: bytes
    mail_from: str
    smtputf8: bool


def tracking_base(domain_name: str, override: str = "") -> str:
    return override.rstrip("/") if override else f"https://t.{domain_name}"


def _tokens(message: Message, keys: Any, now: int) -> tuple[Any, str, str]:
    expires = now + TOKEN_LIFETIME_SECONDS

    def claims(kind: str, **extra: Any) -> Any:
        return tracking_tokens.TokenClaims(
            kind=kind,
            tenant_id=message.tenant_id,
            message_id=message.message_id,
            expires_at=expires,
            **extra,
        )

    def click(index: int, url: str) -> str:
        return tracking_tokens.encode(claims("click", link_index=index, url=url), keys)

    return (
        click,
        tracking_tokens.encode(claims("open"), keys),
        tracking_tokens.encode(claims("unsubscribe"), keys),
    )


def render(message: Message, sources: dict[str, Any]) -> dict[str, str | None]:
    return templating.render_message(
        sources["subject"], sources.get("html"), sources.get("text"), message.variables or {}
    )


def build(
    message: Message,
    sources: dict[str, Any],
    identity: SendingIdentity,
    keys: Any,
    now: datetime,
) -> Built:
    """Raises ``ValueError`` (or a templating error) for an email that cannot be built."""
    parts = render(message, sources)
    click, open_token, unsubscribe_token = _tokens(message, keys, int(now.timestamp()))
    base = identity.tracking_base_url
    unsubscribe_url = f"{base}/u/{unsubscribe_token}"
    html = parts["html"]
    if html is not None and not (message.track_clicks or message.track_opens):
        tracking_links.check_links(html)
    elif html is not None:
        html = tracking_links.rewrite_html(
            html,
            base_url=base,
            make_click_token=click if message.track_clicks else None,
            open_token=open_token if message.track_opens else None,
            skip_urls=frozenset({unsubscribe_url}),
        )
    email = mime.OutgoingEmail(
        message_id=message.message_id,
        from_address=message.from_address,
        from_name=message.from_name,
        to=message.to,
        subject=str(parts["subject"]),
        html=html,
        text=parts["text"],
        reply_to=message.reply_to,
        headers=dict(message.headers),
        sending_domain=identity.domain_name,
        bounce_domain=f"bounces.{identity.domain_name}",
        unsubscribe_url=unsubscribe_url,
        unsubscribe_mailto=f"unsubscribe+{message.message_id}@bounces.{identity.domain_name}",
        bulk=True,
        postal_address=identity.postal_address,
    )
    raw, mail_from, smtputf8 = mime.build(email, now)
    signed = mime.sign(raw, identity.domain_name, identity.selector, identity.private_key_pem)
    return Built(signed, mail_from, smtputf8)
