"""The provisioning and decommission state machines' task handlers, one small Lambda handler
per task (``infrastructure/statemachines/*.asl.json`` names each by its function).

Every task gets ``{tenant_id, server_id, state}`` (``state`` is ``$$.State.Name``, so a
handler shared by a rollback and a decommission state books its work under the right step)
and, for ``record_failure``, the caught ``error``. The work is
``chalicelib.provisioning.run_step``; an exception's class name is the error name the ASL
retries or catches on (``chalicelib.provisioning.errors``)."""

from __future__ import annotations

from typing import Any

from functions._runtime import invocation


def _run(task: str, event: dict[str, Any], context: Any) -> dict[str, Any]:
    from chalicelib.provisioning import run_step

    with invocation(f"provisioning.{task}", context):
        return run_step(task, event)


def validate_quota(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("validate_quota", event, context)


def create_vps(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("create_vps", event, context)


def poll_vps(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Returns ``{"ready": bool, "polls": int}`` (the ASL's Choice loops on ``ready``)."""
    return _run("poll_vps", event, context)


def configure_server(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("configure_server", event, context)


def create_mail_domain(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("create_mail_domain", event, context)


def create_mailboxes(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("create_mailboxes", event, context)


def publish_dns(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("publish_dns", event, context)


def issue_certificate(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("issue_certificate", event, context)


def health_check(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("health_check", event, context)


def register_mailboxes(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("register_mailboxes", event, context)


def start_warmup(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("start_warmup", event, context)


def mark_ready(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("mark_ready", event, context)


def notify(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("notify", event, context)


def record_failure(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("record_failure", event, context)


def remove_registration(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("remove_registration", event, context)


def remove_certificate(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("remove_certificate", event, context)


def remove_dns(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("remove_dns", event, context)


def remove_mail_users(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("remove_mail_users", event, context)


def remove_mail_domain(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("remove_mail_domain", event, context)


def delete_vps(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("delete_vps", event, context)


def mark_rolled_back(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("mark_rolled_back", event, context)


def remove_mailboxes(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("remove_mailboxes", event, context)


def mark_decommissioned(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("mark_decommissioned", event, context)
