"""What an SMTP outcome means, from PRODUCT.md "Sending rules": transient or permanent,
when to retry, when to give up, when to suppress, and when to cool down a provider.

- 2xx → sent. 4xx, timeouts and dropped connections → transient: exponential backoff with
  full jitter, base 30 s, cap 15 min, 8 attempts, then ``failed`` (and the DLQ).
  5xx → permanent: ``bounced`` (hard), recipient suppressed at once.
- Soft bounces (mailbox full, greylisting, message too large) suppress after 3 in a row.
- Deferrals that name recipient-side throttling (Gmail ``421-4.7.28``, Microsoft
  ``451 4.7.650``/``4.7.651``) pause the mailbox for that provider for a cool-down instead
  of retrying into the wall.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

BASE_SECONDS = 30
CAP_SECONDS = 15 * 60
MAX_ATTEMPTS = 8
SOFT_BOUNCES_TO_SUPPRESS = 3
THROTTLE_COOLDOWN_SECONDS = 60 * 60

_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_THROTTLING = {
    ("gmail", "4.7.28"),
    ("microsoft", "4.7.650"),
    ("microsoft", "4.7.651"),
}
_SOFT_STATUSES = {"4.2.2", "5.2.2", "4.7.1", "4.2.0", "5.3.4", "4.3.1", "5.2.3"}
_PROVIDERS = {
    "gmail": ("gmail.com", "googlemail.com", "google.com"),
    "microsoft": ("outlook.com", "hotmail.com", "live.com", "msn.com", "office365.com"),
    "yahoo": ("yahoo.com", "ymail.com", "aol.com"),
}


@dataclass(frozen=True)
class Outcome:
    kind: str  # sent | deferred | bounced | throttled
    code: int | None
    enhanced: str | None
    text: str
    soft: bool = False

    @property
    def final(self) -> bool:
        return self.kind in ("sent", "bounced")


def enhanced_status(text: str) -> str | None:
    match = _ENHANCED.search(text)
    return ".".join(match.groups()) if match else None


def provider_of(recipient: str) -> str:
    domain = recipient.rsplit("@", 1)[-1].lower()
    for provider, domains in _PROVIDERS.items():
        if any(domain == d or domain.endswith("." + d) for d in domains):
            return provider
    return "other"


def throttling_providers() -> tuple[str, ...]:
    """The providers whose throttling cools a mailbox down (so the only ones it can be
    cooling down for)."""
    return tuple(sorted({provider for provider, _ in _THROTTLING}))


def classify(code: int | None, text: str, recipient: str) -> Outcome:
    """An SMTP reply (``code`` None for a timeout or a dropped connection) as an outcome."""
    enhanced = enhanced_status(text)
    if code is not None and 200 <= code < 300:
        return Outcome("sent", code, enhanced, text)
    if code is not None and code >= 500:
        return Outcome("bounced", code, enhanced, text, soft=enhanced in _SOFT_STATUSES)
    if enhanced and (provider_of(recipient), enhanced) in _THROTTLING:
        return Outcome("throttled", code, enhanced, text)
    return Outcome("deferred", code, enhanced, text, soft=enhanced in _SOFT_STATUSES)


def retry_delay(attempt: int, rng: random.Random | None = None, scale: float = 1.0) -> float | None:
    """Seconds before attempt ``attempt + 1`` (attempts count from 1), or None when the
    message has used all its attempts and is ``failed``. Full jitter keeps retries from
    many workers from landing together; ``scale`` shortens it for the local platform."""
    if attempt >= MAX_ATTEMPTS:
        return None
    ceiling = min(CAP_SECONDS, BASE_SECONDS * 2 ** (attempt - 1))
    return (rng or random).uniform(ceiling / 2, ceiling) * scale


def suppress_after(outcome: Outcome, consecutive_soft: int) -> bool:
    """Whether this outcome suppresses the recipient now (``consecutive_soft`` counts this
    one too)."""
    if outcome.kind != "bounced" and not outcome.soft:
        return False
    if outcome.kind == "bounced" and not outcome.soft:
        return True
    return consecutive_soft >= SOFT_BOUNCES_TO_SUPPRESS
