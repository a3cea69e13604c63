"""The plan send rate on the running platform, by the local SMTP server's own clock.

A starter tenant may send 10 messages a second, counted in one-second windows shared by
every worker (a DynamoDB item per tenant and second). Two things follow from that rule
whatever the speed of this machine (loaded, the local platform sends only a few messages a
second, under the starter rate, so elapsed time alone could not tell a paced run from an
unpaced one):
- while the tenant's windows are full (as if other workers had used them), none of its
  messages leaves: the first arrives only after them;
- 40 messages take at least four windows, so the first and the last leave more than two
  seconds apart.
And none is dropped: each arrives exactly once, sent on its first attempt (waiting uses
none)."""

from __future__ import annotations

import time
import uuid
from datetime import datetime

import pytest

from infrastructure.local.emulator import STACK
from tests.integration.conftest import eventually
from tests.integration.tenants import sending_tenant, smtp_received

COUNT = 40
FULL_SECONDS = 12  # unpaced, the first message reaches SMTP 3-6 s after the batch here
FINAL = {"sent", "bounced", "failed", "suppressed", "cancelled"}


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _fill_windows(platform, tenant_id: str, first: int, seconds: int) -> None:
    """Use up the tenant's 10 slots in each of ``seconds`` windows from ``first``."""
    outputs = platform.aws("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    table = next(o["OutputValue"] for o in outputs["Outputs"] if o["OutputKey"] == "CountersTable")
    dynamodb = platform.aws("dynamodb")
    for window in range(first, first + seconds):
        dynamodb.put_item(
            TableName=table,
            Item={
                "tenant_id": {"S": tenant_id},
                "sk": {"S": f"rate#{window}"},
                "reserved": {"N": "10"},
                "expires_at": {"N": str(window + 120)},
            },
        )


@pytest.mark.long
def test_a_starter_tenants_batch_waits_for_free_slots_and_none_is_dropped(platform):
    # given: a starter tenant whose slots are used up for the next 12 seconds
    tenant = sending_tenant(platform, "starter")
    run = uuid.uuid4().hex[:8]
    now = int(time.time())
    _fill_windows(platform, tenant.tenant_id, now, FULL_SECONDS)
    free_from = now + FULL_SECONDS
    # when: it sends a batch of 40 at once
    reply = platform.request(
        "POST",
        "/v1/messages/batch",
        tenant.key,
        json={
            "from": tenant.mailboxes[0],
            "subject": "Paced",
            "text": "Hello",
            "recipients": [{"to": f"paced{n}.{run}@example.test"} for n in range(COUNT)],
        },
    )
    assert reply.status_code == 202, reply.text
    ids = [r["id"] for r in reply.json()["results"]]

    # then: every message ends sent on its first attempt
    def all_final():
        # one list request per poll: forty GETs a poll would run into the starter tenant's
        # own API limit (20 a second), which this test is not about
        reply = platform.get("/v1/messages?limit=100", tenant.key)
        if reply.status_code != 200:
            return None
        found = {m["id"]: m for m in reply.json()["items"]}
        mine = [found.get(i, {}) for i in ids]
        return mine if all(m.get("status") in FINAL for m in mine) else None

    messages = eventually(all_final, attempts=160, pause=0.5)
    assert [m["status"] for m in messages] == ["sent"] * COUNT
    assert all(m["attempts"] == 1 for m in messages)
    # and: the SMTP server got each exactly once
    received = smtp_received(platform, run)
    assert sorted(r for m in received for r in m["rcpt_tos"]) == sorted(
        f"paced{n}.{run}@example.test" for n in range(COUNT)
    )
    # and: nothing left while the windows were full, and 40 took at least four windows
    times = sorted(_seconds(m["received_at"]) for m in received)
    assert times[0] >= free_from, (times[0], free_from)
    assert times[-1] - times[0] > 2.0, times
