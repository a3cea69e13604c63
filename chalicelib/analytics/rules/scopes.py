"""How the analytics counter items are keyed (sort keys under the tenant's partition).

- per scope and day: tenant ``day#<d>`` (the item the per-tenant event counters use too),
  campaign ``c#<id>#day#<d>``, mailbox ``m#<id>#day#<d>``, domain ``d#<id>#day#<d>``,
  recipient provider ``p#<name>#day#<d>`` (the mailbox caps keep ``mailbox#<id>#day#<d>``);
- per campaign step and A/B variant, all time: ``c#<id>#step#<n>#<variant or ->``;
- the engagement heatmap per month: ``heat#<YYYY-MM>``, human opens in ``ho<w>_<h>`` and
  human clicks in ``hc<w>_<h>`` (weekday 0 = Monday, hour 0-23, the recipient's local time);
- the deliverability breakdown per day: ``bd#<d>``, one attribute per scope, id and metric
  (``m.<mailbox>.<metric>``, ``d.<domain>.<metric>``, ``p.<provider>.<metric>``), so a range
  of days of every mailbox, domain and provider is one Query.
"""

from __future__ import annotations

from chalicelib.core.errors import BadRequest

PROVIDERS: tuple[str, ...] = ("gmail", "microsoft", "yahoo", "apple", "other")
SCOPE_KINDS: dict[str, str] = {"campaign": "c", "mailbox": "m", "domain": "d", "provider": "p"}
NO_VARIANT = "-"


def parse_scope(scope: str) -> tuple[str, str | None]:
    """``tenant`` → ("tenant", None); ``campaign:<id>`` → ("campaign", id) and so on."""
    if scope == "tenant":
        return ("tenant", None)
    kind, _, ident = scope.partition(":")
    if kind not in SCOPE_KINDS or not ident or "#" in ident:
        raise BadRequest(f"unknown analytics scope {scope[:80]!r}", {"field": "scope"})
    if kind == "provider" and ident not in PROVIDERS:
        raise BadRequest(f"unknown provider {ident[:40]!r}", {"field": "provider"})
    return (kind, ident)


def scope_prefix(scope: str) -> str:
    """What a scope's day keys start with (``""`` for the tenant)."""
    kind, ident = parse_scope(scope)
    return "" if ident is None else f"{SCOPE_KINDS[kind]}#{ident}#"


def scope_day(scope: str, day: str) -> str:
    return f"{scope_prefix(scope)}day#{day}"


def day_of(key: str) -> str:
    """The day a scope's day key names."""
    return key.rpartition("day#")[2]


def step_key(campaign_id: str, step: int, variant: str | None) -> str:
    return f"c#{campaign_id}#step#{step}#{variant or NO_VARIANT}"


def step_prefix(campaign_id: str) -> str:
    return f"c#{campaign_id}#step#"


def step_of(key: str) -> tuple[int, str | None]:
    """(step, variant) of a step key."""
    step, _, variant = key.rpartition("#step#")[2].partition("#")
    return (int(step), None if variant == NO_VARIANT else variant)


def heat_key(month: str) -> str:
    return f"heat#{month}"


def heat_attribute(kind: str, weekday: int, hour: int) -> str:
    """``kind`` is ``opens`` or ``clicks``."""
    return f"h{kind[0]}{weekday}_{hour}"


def heat_cell(attribute: str) -> tuple[str, int, int] | None:
    """(kind, weekday, hour) of a heatmap attribute."""
    if len(attribute) < 5 or attribute[:2] not in ("ho", "hc"):
        return None
    weekday, _, hour = attribute[2:].partition("_")
    if not (weekday.isdigit() and hour.isdigit()):
        return None
    return ("opens" if attribute[1] == "o" else "clicks", int(weekday), int(hour))


def breakdown_key(day: str) -> str:
    return f"bd#{day}"


def breakdown_attribute(kind: str, ident: str, metric: str) -> str:
    return f"{SCOPE_KINDS[kind]}.{ident}.{metric}"


def breakdown_cell(attribute: str) -> tuple[str, str, str] | None:
    """(kind, id, metric) of a breakdown attribute."""
    short, _, rest = attribute.partition(".")
    ident, _, metric = rest.rpartition(".")
    kinds = {v: k for k, v in SCOPE_KINDS.items()}
    if short not in kinds or not ident or not metric:
        return None
    return (kinds[short], ident, metric)
