"""Provisioning's fixed vocabulary: step names (the ASL state names), statuses, quotas.

Pure: no I/O. The state machines in ``infrastructure/statemachines`` use exactly these state
names; a deploy test checks both lists agree.
"""

from __future__ import annotations

PROVISION_STEPS = (
    "ValidateQuota",
    "CreateVps",
    "WaitForIp",
    "ConfigureServer",
    "CreateMailDomain",
    "CreateMailboxes",
    "PublishDns",
    "IssueCertificate",
    "HealthCheck",
    "RegisterMailboxes",
    "StartWarmup",
    "Ready",
    "Notify",
)
# On any failure, what earlier steps created goes, in reverse order of creation.
ROLLBACK_STEPS = (
    "RollbackRegistration",
    "RollbackCertificate",
    "RollbackDns",
    "RollbackMailboxes",
    "RollbackMailDomain",
    "RollbackVps",
    "RolledBack",
)
DECOMMISSION_STEPS = (
    "RemoveMailboxes",
    "RemoveDns",
    "RevokeCertificate",
    "DeleteVps",
    "Decommissioned",
)

STEP_STATUSES = ("pending", "running", "succeeded", "failed", "skipped")
SERVER_STATUSES = (
    "provisioning",
    "ready",
    "failed",
    "rolling_back",
    "rolled_back",
    "decommissioning",
    "decommissioned",
)

# Servers a tenant may have at once (not decommissioned / rolled back), by plan. PRODUCT.md
# names no figure; these follow the plans' mailbox allowances (a server carries up to 50).
SERVERS_BY_PLAN: dict[str, int | None] = {
    "starter": 1,
    "professional": 3,
    "business": 10,
    "enterprise": None,
}
MAX_MAILBOXES_PER_SERVER = 50
VPS_POLL_LIMIT = 60  # WaitForIp gives up (VpsTimeout) after this many polls
FINAL_STATUSES = frozenset({"ready", "failed", "rolled_back", "decommissioned"})
LIVE_STATUSES = frozenset({"provisioning", "ready", "rolling_back", "decommissioning", "failed"})
