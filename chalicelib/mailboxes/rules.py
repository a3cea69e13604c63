"""Mailboxes: the sending identities on a tenant's own SMTP (MailU) server.

Status is ``active | warming | paused | error``; a pause records who or what paused it
and why. Passwords never live here: the adapter keeps them in Secrets Manager and the
item holds only the secret's name.

Warm-up: a mailbox being warmed carries its plan and the day it started (the warm-up
feature sets them); while ``warming``, the send guards cap its day at the plan's volume
for the day it is on (``warmup_day``), below its own daily limit; when the warm-up has
written its target for the day (``warmup_target``) that target replaces the plan's volume.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from chalicelib.core import ids
from chalicelib.core.errors import Conflict, UnprocessableEntity

STATUSES = ("active", "warming", "paused", "error")
SENDING_STATUSES = ("active", "warming")
POLL_SHARDS = 8


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    security: str
    username: str
    secret_name: str

    def to_public(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "security": self.security,
            "username": self.username,
            "password_set": True,
        }


@dataclass(frozen=True)
class Mailbox:
    tenant_id: str
    mailbox_id: str
    email: str
    display_name: str
    domain_id: str
    smtp: ServerSettings
    imap: ServerSettings | None
    daily_limit: int
    status: str
    created_at: str
    updated_at: str
    paused_by: str | None = None
    pause_reason: str | None = None
    last_test: dict[str, Any] | None = None
    warmup_plan: str | None = None
    warmup_started_on: str | None = None  # YYYY-MM-DD, the warm-up's day 0
    warmup_target: int | None = None  # the warm-up's volume today (caps campaign sends)

    def warmup_day(self, today: date) -> int | None:
        """Which day of its warm-up plan the mailbox is on (0 the day it started), or None
        when it has no warm-up."""
        if not self.warmup_plan or not self.warmup_started_on:
            return None
        return max(0, (today - date.fromisoformat(self.warmup_started_on)).days)

    def to_public(self, sent_today: int = 0) -> dict[str, Any]:
        return {
            "id": self.mailbox_id,
            "email": self.email,
            "display_name": self.display_name,
            "domain_id": self.domain_id,
            "smtp": self.smtp.to_public(),
            "imap": self.imap.to_public() if self.imap else None,
            "daily_limit": self.daily_limit,
            "status": self.status,
            "paused_by": self.paused_by,
            "pause_reason": self.pause_reason,
            "sent_today": sent_today,
            "remaining_today": max(self.daily_limit - sent_today, 0),
            "last_test": self.last_test,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def domain_part(email: str) -> str:
    return email.rsplit("@", 1)[1].lower()


def ensure_on_domain(email: str, domain_names: dict[str, str]) -> str:
    """The id of the tenant's domain the address is on; 422 when it is on none of them."""
    found = domain_names.get(domain_part(email))
    if found is None:
        raise UnprocessableEntity(
            f"{email} is not on one of your domains; add the domain first",
            {"field": "email", "domain": domain_part(email)},
        )
    return found


def new_mailbox(
    tenant_id: str,
    mailbox_id: str,
    email: str,
    display_name: str,
    domain_id: str,
    smtp: ServerSettings,
    imap: ServerSettings | None,
    daily_limit: int,
    now: str,
) -> Mailbox:
    return Mailbox(
        tenant_id,
        mailbox_id,
        email,
        display_name,
        domain_id,
        smtp,
        imap,
        daily_limit,
        "active",
        now,
        now,
    )


def new_mailbox_id() -> str:
    return ids.new_id("mbx")


def change(mailbox: Mailbox, changes: dict[str, Any], actor: str, now: str) -> Mailbox:
    status = changes.get("status") or mailbox.status
    if status not in ("active", "paused"):
        raise Conflict(
            f"a mailbox can be set to active or paused, not {status}", {"field": "status"}
        )
    paused = status == "paused"
    return replace(
        mailbox,
        status=status,
        updated_at=now,
        daily_limit=changes.get("daily_limit") or mailbox.daily_limit,
        display_name=changes.get("display_name") or mailbox.display_name,
        paused_by=(
            actor
            if paused and mailbox.status != "paused"
            else mailbox.paused_by
            if paused
            else None
        ),
        pause_reason=(changes.get("reason") or mailbox.pause_reason) if paused else None,
    )


def record_test(mailbox: Mailbox, steps: list[dict[str, Any]], ok: bool, now: str) -> Mailbox:
    failing = next((s for s in steps if not s["ok"]), None)
    result = {
        "ok": ok,
        "tested_at": now,
        "steps": steps,
        "failed_step": failing["name"] if failing else None,
    }
    status = mailbox.status
    if not ok and status == "active":
        status = "error"
    elif ok and status == "error":
        status = "active"
    return replace(mailbox, last_test=result, status=status, updated_at=now)


def warm(mailbox: Mailbox, plan: str, day_0: str, now: str, target: int | None = None) -> Mailbox:
    """The mailbox in warm-up on ``plan`` from ``day_0`` with today's ``target`` (None: the
    plan's volume); a paused mailbox must be resumed first (409)."""
    if mailbox.status == "paused":
        raise Conflict(
            f"mailbox {mailbox.mailbox_id} is paused; resume it before warming it",
            {"status": mailbox.status},
        )
    return replace(
        mailbox,
        status="warming",
        warmup_plan=plan,
        warmup_started_on=day_0,
        warmup_target=target,
        updated_at=now,
    )


def end_warmup(mailbox: Mailbox, now: str) -> Mailbox:
    """The mailbox out of warm-up: ``active`` if it was warming (a pause stays), no plan."""
    status = "active" if mailbox.status == "warming" else mailbox.status
    return replace(
        mailbox,
        status=status,
        warmup_plan=None,
        warmup_started_on=None,
        warmup_target=None,
        updated_at=now,
    )
