"""What makes a campaign's steps and settings acceptable beyond their shape (the request
models check that): every mailbox is the tenant's, the window is a real window in a real
time zone, the unsubscribe footer is on (it cannot be switched off), waits are longer
than zero, the first step is an email, templates exist, and
every template variable is one a contact has. Each problem is a 422 naming its field, found
before anything is written."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.campaigns.rules.window import parse_window
from chalicelib.core.errors import UnprocessableEntity
from chalicelib.templates import compile_part, variables_of

if TYPE_CHECKING:
    from chalicelib.campaigns.service.bundle import CampaignPorts

BUILT_IN_VARIABLES = frozenset({"email", "first_name", "last_name", "company", "time_zone"})
PARTS = (("subject", False), ("html", True), ("text", False))


def _refuse(field: str, message: str, **details: Any) -> UnprocessableEntity:
    return UnprocessableEntity(message, {"field": field, **details})


def check_settings(ports: CampaignPorts, tenant_id: str, settings: dict[str, Any]) -> None:
    _check_footer(settings)
    mailbox_ids = list(settings.get("mailbox_ids") or [])
    if not mailbox_ids:
        raise _refuse("settings.mailbox_ids", "a campaign needs at least one mailbox")
    known = ports.mailboxes.addresses(tenant_id, mailbox_ids)
    for index, mailbox_id in enumerate(mailbox_ids):
        if mailbox_id not in known:
            raise _refuse(f"settings.mailbox_ids[{index}]", f"mailbox {mailbox_id} not found")
    window = settings.get("window") or {}
    parse_window(
        window.get("weekdays", []),
        window.get("start", ""),
        window.get("end", ""),
        window.get("time_zone", ""),
    )


def _check_footer(settings: dict[str, Any]) -> None:
    """Every campaign email is bulk mail: sending adds List-Unsubscribe and the footer with
    the tenant's postal address to each (PRODUCT.md "Sending rules"), so a campaign cannot
    turn the footer off; saying so beats ignoring the setting."""
    if settings.get("unsubscribe_footer", True) is not True:
        raise _refuse(
            "settings.unsubscribe_footer",
            "the unsubscribe footer with the postal address is mandatory on campaign email "
            "(CAN-SPAM; Gmail and Yahoo bulk sender rules) and cannot be turned off",
            reason="mandatory",
        )


def check_steps(ports: CampaignPorts, tenant_id: str, steps: list[dict[str, Any]]) -> None:
    if not steps:
        raise _refuse("steps", "a campaign needs at least one step")
    if steps[0]["type"] != "email":
        raise _refuse("steps[0].type", "the first step must be an email")
    allowed = BUILT_IN_VARIABLES | set(ports.contacts.field_types(tenant_id))
    for index, step in enumerate(steps):
        where = f"steps[{index}]"
        if step["type"] == "wait":
            _check_wait(where, step)
        elif step["type"] == "email":
            _check_email(ports, tenant_id, where, step, allowed)


def _check_wait(where: str, step: dict[str, Any]) -> None:
    hours, days = step.get("hours"), step.get("business_days")
    if (hours is None) == (days is None):
        raise _refuse(where + ".hours", "a wait needs hours or business_days (one of them)")
    name, value = ("hours", hours) if hours is not None else ("business_days", days)
    if not isinstance(value, int) or value <= 0:
        raise _refuse(f"{where}.{name}", "a wait must be longer than zero")


def _check_email(
    ports: CampaignPorts, tenant_id: str, where: str, step: dict[str, Any], allowed: frozenset[str]
) -> None:
    _check_content(ports, tenant_id, where, step, allowed, first=True)
    names = [v["name"] for v in step.get("variants") or []]
    if len(set(names)) != len(names):
        raise _refuse(where + ".variants", "variant names must be unique")
    for index, variant in enumerate(step.get("variants") or []):
        _check_content(ports, tenant_id, f"{where}.variants[{index}]", variant, allowed)


def _check_content(
    ports: CampaignPorts,
    tenant_id: str,
    where: str,
    content: dict[str, Any],
    allowed: frozenset[str],
    first: bool = False,
) -> None:
    if content.get("template_id"):
        found = ports.templates.sources(tenant_id, content["template_id"])
        if found is None:
            raise _refuse(where + ".template_id", f"template {content['template_id']} not found")
        _check_names(where + ".template_id", set(found.get("variables") or ()), allowed)
        return
    if content.get("html") is None and content.get("text") is None and first:
        raise _refuse(where, "an email step needs a template_id, or html or text")
    for part, html in PARTS:
        source = content.get(part)
        if source is not None:
            _check_names(f"{where}.{part}", _variables(f"{where}.{part}", source, html), allowed)


def _variables(field: str, source: str, html: bool) -> set[str]:
    compile_part(field, source, html)  # a syntax error is a 422 naming the field
    return variables_of(source, html)


def _check_names(field: str, used: set[str], allowed: frozenset[str]) -> None:
    unknown = sorted(used - allowed)
    if unknown:
        raise _refuse(field, f"undefined template variable {unknown[0]!r}", variables=unknown)
