"""A provisioned server as the platform keeps it: what was asked, what each step created
(the rollback and the decommission undo exactly that), and one entry per step.

Pure data and transitions; ``store`` keeps it as one JSON document per server with an
optimistic-lock version, ``steps`` changes it.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from chalicelib.provisioning.rules import PROVISION_STEPS


def new_server_id() -> str:
    return "srv_" + secrets.token_hex(8)


@dataclass(frozen=True)
class MailboxRequest:
    local_part: str
    display_name: str = ""
    daily_limit: int = 50


@dataclass(frozen=True)
class ServerRequest:
    region: str
    size: str
    domain: str
    dns_provider: str  # route53 | cloudflare
    mailboxes: tuple[MailboxRequest, ...]
    warmup_plan: str | None = None

    @property
    def hostname(self) -> str:
        return f"mail.{self.domain}"

    def emails(self) -> list[str]:
        return [f"{m.local_part}@{self.domain}" for m in self.mailboxes]

    def to_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["mailboxes"] = [asdict(m) for m in self.mailboxes]
        return body

    @staticmethod
    def from_dict(body: dict[str, Any]) -> ServerRequest:
        return ServerRequest(
            region=body["region"],
            size=body["size"],
            domain=body["domain"],
            dns_provider=body["dns_provider"],
            mailboxes=tuple(MailboxRequest(**m) for m in body["mailboxes"]),
            warmup_plan=body.get("warmup_plan"),
        )


@dataclass(frozen=True)
class Step:
    status: str = "pending"
    started_at: str | None = None
    ended_at: str | None = None
    attempts: int = 0
    error: dict[str, str] | None = None


@dataclass(frozen=True)
class Server:
    tenant_id: str
    server_id: str
    status: str
    request: ServerRequest
    created_at: str
    updated_at: str
    execution: str  # the name of the execution that runs it now
    # What exists because of us: vps_id, ip, smtp_port, imap_port, admin_port,
    # mail_domain (bool), mail_users [emails], dns_zone, dns_records [record dicts],
    # ptr (bool), certificate {secret, not_after}, domain_id, mailbox_ids {email: id}...
    resources: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, Step] = field(default_factory=dict)
    failure: dict[str, str] | None = None
    version: int = 0

    @property
    def vps_name(self) -> str:
        return f"pm-{self.server_id}"

    def with_step(self, name: str, **changes: Any) -> Server:
        steps = dict(self.steps)
        steps[name] = replace(steps.get(name, Step()), **changes)
        return replace(self, steps=steps)

    def with_resources(self, **changes: Any) -> Server:
        return replace(self, resources={**self.resources, **changes})

    def without_resources(self, *names: str) -> Server:
        return replace(self, resources={k: v for k, v in self.resources.items() if k not in names})

    def to_public(self) -> dict[str, Any]:
        names = list(PROVISION_STEPS) + [s for s in self.steps if s not in PROVISION_STEPS]
        res = self.resources
        return {
            "id": self.server_id,
            "status": self.status,
            "domain": self.request.domain,
            "hostname": self.request.hostname,
            "region": self.request.region,
            "size": self.request.size,
            "dns_provider": self.request.dns_provider,
            "warmup_plan": self.request.warmup_plan,
            "ip": res.get("ip"),
            "mailboxes": [
                {"email": email, "mailbox_id": res.get("mailbox_ids", {}).get(email)}
                for email in self.request.emails()
            ],
            "steps": [{"name": n, **asdict(self.steps.get(n, Step()))} for n in names],
            "failure": self.failure,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "request": self.request.to_dict(),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "execution": self.execution,
            "resources": self.resources,
            "steps": {k: asdict(v) for k, v in self.steps.items()},
            "failure": self.failure,
        }

    @staticmethod
    def from_dict(tenant_id: str, server_id: str, body: dict[str, Any], version: int) -> Server:
        return Server(
            tenant_id=tenant_id,
            server_id=server_id,
            status=body["status"],
            request=ServerRequest.from_dict(body["request"]),
            created_at=body["created_at"],
            updated_at=body["updated_at"],
            execution=body["execution"],
            resources=body.get("resources", {}),
            steps={k: Step(**v) for k, v in body.get("steps", {}).items()},
            failure=body.get("failure"),
            version=version,
        )
