"""The health score of a sending domain or mailbox, out of 100, in four parts that each show
their inputs and points (PRODUCT.md "Metrics"):

- authentication 25: SPF 8, DKIM 9, DMARC 8, each only when verification found it verified;
- deliverability 30: bounce rate 20 (full at 0, none at ``BOUNCE_ZERO`` = 5 %, the pause line)
  and deferral rate 10 (none at ``DEFERRAL_ZERO`` = 10 %);
- engagement 25: open rate 10 (full from ``OPEN_FULL``), reply rate 10 (full from
  ``REPLY_FULL``), spam 5 (full at 0, none at ``SPAM_ZERO`` = 0.1 %, the pause line);
- infrastructure 20: sending mailboxes 8 (share of the scope's mailboxes active or warming),
  SMTP circuit breakers 6 (share closed; half_open counts half), blacklists 6 (none when any
  listing; an unanswered check counts half: unknown is neither clean nor listed).

Rates need a sample: below ``MIN_SENT`` sends in the window a rate part scores full points and
says "not enough mail to judge" (a new mailbox is not unhealthy for having sent nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib.health.rules.rates import rates

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

AUTH_POINTS = {"spf": 8, "dkim": 9, "dmarc": 8}
BOUNCE_POINTS, DEFERRAL_POINTS = 20, 10
OPEN_POINTS, REPLY_POINTS, SPAM_POINTS = 10, 10, 5
MAILBOX_POINTS, BREAKER_POINTS, BLACKLIST_POINTS = 8, 6, 6
BOUNCE_ZERO, DEFERRAL_ZERO, SPAM_ZERO = 0.05, 0.10, 0.001
OPEN_FULL, REPLY_FULL = 0.30, 0.05
MIN_SENT = 20
SENDING = ("active", "warming")


@dataclass(frozen=True)
class Part:
    name: str
    points: float
    max_points: int
    inputs: dict[str, Any]
    reasons: list[str] = field(default_factory=list)

    def to_public(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "points": round(self.points, 1),
            "max_points": self.max_points,
            "inputs": self.inputs,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class Infrastructure:
    """What the infrastructure part reads: the statuses of the scope's mailboxes, the states
    of their SMTP servers' breakers, and the blacklist results (target, zone) → listed,
    not listed or unknown."""

    mailbox_statuses: Sequence[str]
    breaker_states: Sequence[str]
    blacklists: Mapping[str, str]


def _falling(value: float | None, zero: float, points: int) -> float:
    """Full points at 0, none at ``zero`` and above, linear between."""
    if value is None:
        return float(points)
    return points * max(0.0, 1.0 - value / zero)


def _rising(value: float | None, full: float, points: int) -> float:
    if value is None:
        return float(points)
    return points * min(1.0, value / full)


def authentication(checks: Mapping[str, str]) -> Part:
    """``checks``: kind (spf, dkim, dmarc) → the status domain verification stored."""
    points = sum(p for kind, p in AUTH_POINTS.items() if checks.get(kind) == "verified")
    reasons = [
        f"{kind.upper()} is {checks.get(kind, 'unchecked')}"
        for kind in AUTH_POINTS
        if checks.get(kind) != "verified"
    ]
    inputs = {kind: checks.get(kind, "unchecked") for kind in AUTH_POINTS}
    return Part("authentication", points, sum(AUTH_POINTS.values()), inputs, reasons)


def _judged(counts: Mapping[str, int]) -> tuple[dict[str, float | None], list[str]]:
    if counts.get("sent", 0) < MIN_SENT:
        note = f"{counts.get('sent', 0)} sent (< {MIN_SENT}): not enough mail to judge"
        return dict.fromkeys(rates(counts)), [note]
    return rates(counts), []


def deliverability(counts: Mapping[str, int]) -> Part:
    found, reasons = _judged(counts)
    bounce = _falling(found["bounce_rate"], BOUNCE_ZERO, BOUNCE_POINTS)
    deferral = _falling(found["deferral_rate"], DEFERRAL_ZERO, DEFERRAL_POINTS)
    if bounce < BOUNCE_POINTS:
        reasons.append(f"bounce rate {found['bounce_rate']:.2%} (0 points at {BOUNCE_ZERO:.0%})")
    if deferral < DEFERRAL_POINTS:
        reasons.append(f"deferral rate {found['deferral_rate']:.2%}")
    inputs = {
        "sent": counts.get("sent", 0),
        "bounced": counts.get("bounced", 0),
        "deferred": counts.get("deferred", 0),
        "bounce_rate": found["bounce_rate"],
        "deferral_rate": found["deferral_rate"],
    }
    return Part(
        "deliverability", bounce + deferral, BOUNCE_POINTS + DEFERRAL_POINTS, inputs, reasons
    )


def engagement(counts: Mapping[str, int]) -> Part:
    found, reasons = _judged(counts)
    opens = _rising(found["open_rate"], OPEN_FULL, OPEN_POINTS)
    replies = _rising(found["reply_rate"], REPLY_FULL, REPLY_POINTS)
    spam = _falling(found["spam_rate"], SPAM_ZERO, SPAM_POINTS)
    if spam < SPAM_POINTS:
        reasons.append(f"spam rate {found['spam_rate']:.2%} (0 points at {SPAM_ZERO:.1%})")
    if opens < OPEN_POINTS:
        reasons.append(f"open rate {found['open_rate']:.1%} (full points from {OPEN_FULL:.0%})")
    if replies < REPLY_POINTS:
        reasons.append(f"reply rate {found['reply_rate']:.1%} (full from {REPLY_FULL:.0%})")
    inputs = {
        "open_rate": found["open_rate"],
        "reply_rate": found["reply_rate"],
        "spam_rate": found["spam_rate"],
        "complaints": counts.get("complaints", 0),
    }
    total = OPEN_POINTS + REPLY_POINTS + SPAM_POINTS
    return Part("engagement", opens + replies + spam, total, inputs, reasons)


def _share(values: Sequence[str], good: Sequence[str], half: Sequence[str] = ()) -> float:
    if not values:
        return 1.0
    return sum(1.0 if v in good else 0.5 if v in half else 0.0 for v in values) / len(values)


def infrastructure(facts: Infrastructure) -> Part:
    mailboxes = MAILBOX_POINTS * _share(facts.mailbox_statuses, SENDING)
    breakers = BREAKER_POINTS * _share(facts.breaker_states, ("closed",), ("half_open",))
    listed = sorted(t for t, result in facts.blacklists.items() if result == "listed")
    unknown = [t for t, result in facts.blacklists.items() if result == "unknown"]
    lists = 0.0 if listed else BLACKLIST_POINTS * (0.5 if unknown else 1.0)
    reasons = [f"mailbox {s}" for s in facts.mailbox_statuses if s not in SENDING]
    reasons += [f"SMTP circuit {s}" for s in facts.breaker_states if s != "closed"]
    reasons += [f"listed on {t}" for t in listed] + [f"no answer from {t}" for t in unknown]
    inputs = {
        "mailbox_statuses": list(facts.mailbox_statuses),
        "breaker_states": list(facts.breaker_states),
        "blacklists": dict(facts.blacklists),
    }
    total = MAILBOX_POINTS + BREAKER_POINTS + BLACKLIST_POINTS
    return Part("infrastructure", mailboxes + breakers + lists, total, inputs, reasons)


@dataclass(frozen=True)
class HealthScore:
    score: int
    parts: list[Part]

    def to_public(self) -> dict[str, Any]:
        return {"score": self.score, "parts": [p.to_public() for p in self.parts]}


def health_score(
    checks: Mapping[str, str], counts: Mapping[str, int], facts: Infrastructure
) -> HealthScore:
    parts = [authentication(checks), deliverability(counts), engagement(counts)]
    parts.append(infrastructure(facts))
    return HealthScore(round(sum(p.points for p in parts)), parts)
