"""A campaign run end to end on the platform whose clock moves (``clock_platform``: a day
at a time here, which would move every other test's days on the shared one; ``/local/clock``
itself is checked here too): 30 contacts imported from a
CSV into a list, the demo tenant's three mailboxes, a 3-step campaign (email, wait, threaded
follow-up) with a cap of 5 a mailbox a day. Checked against what the SMTP server received:
step 1 reaches everyone over the three mailboxes, never more than 5 a mailbox a day, the rest
carried to the next day; step 2 is a reply in the same thread from the same mailbox, and only
for those who neither replied nor bounced; the campaign ends ``completed`` with progress
equal to what the server got."""

from __future__ import annotations

import email
import email.policy
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.core.clock import parse_iso
from tests.integration.conftest import RunningPlatform, eventually

pytestmark = pytest.mark.long

SIM = "sim.penguinmails.test"
DAY = 86_400
THREE_DAYS = 3 * DAY
MAX_DAYS = 12  # bounded: the run needs about five
ALWAYS = {"weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00",
          "end": "24:00", "time_zone": "UTC"}  # fmt: skip
SUBJECT = "Hi {{ first_name }}"


@pytest.fixture
def running(clock_platform):
    return clock_platform


def _ok(reply: Any, status: int = 200) -> dict[str, Any]:
    assert reply.status_code == status, (reply.status_code, reply.text)
    return reply.json()


def _addresses() -> list[str]:
    people = [f"reply+cmp@{SIM}", f"ooto+cmp@{SIM}", f"bounce+cmp@{SIM}"]
    return people + [f"success+cmp{i}@{SIM}" for i in range(27)]


def _import(running: RunningPlatform, key: str) -> str:
    """The 30 contacts through an inline CSV import into a new list; the list's id."""
    listed = _ok(running.request("POST", "/v1/lists", key, json={"name": "Leads"}), 201)
    rows = "\n".join(f"{a},Lead{i}" for i, a in enumerate(_addresses()))
    body = {"csv": "Email,First Name\n" + rows + "\n", "list_id": listed["id"]}
    job = _ok(running.request("POST", "/v1/imports", key, json=body), 201)

    def done() -> dict[str, Any] | None:
        found = _ok(running.get(f"/v1/imports/{job['id']}", key))
        return found if found["status"] in ("completed", "failed") else None

    finished = eventually(done, attempts=300)
    assert (finished["status"], finished["created"], finished["rejected"]) == ("completed", 30, 0)
    return str(listed["id"])


def _campaign(running: RunningPlatform, key: str, mailboxes: list[str]) -> str:
    body = {
        "name": "Three steps",
        "steps": [
            {"type": "email", "subject": SUBJECT, "text": "A short note, {{ first_name }}."},
            {"type": "wait", "hours": 20},
            {"type": "email", "text": "Following up on my note."},
        ],
        "settings": {"mailbox_ids": mailboxes, "per_mailbox_daily_limit": 5, "window": ALWAYS},
    }
    return str(_ok(running.request("POST", "/v1/campaigns", key, json=body), 201)["id"])


def _campaign_mail(running: RunningPlatform) -> list[email.message.EmailMessage]:
    """The campaign's mail as the server received it, oldest first (the local route lists
    newest first)."""
    items = running.get("/local/smtp/messages?limit=100000").json()["items"][::-1]
    mine = [m for m in items if any("+cmp" in r for r in m["rcpt_tos"])]
    return [email.message_from_string(m["raw"], policy=email.policy.default) for m in mine]


def _state(running: RunningPlatform, key: str, campaign_id: str) -> tuple[Any, ...]:
    found = _ok(running.get(f"/v1/campaigns/{campaign_id}", key))
    return found["status"], found["progress"], len(_campaign_mail(running))


def _scheduler_runs(running: RunningPlatform) -> int:
    described = _ok(running.get("/local/platform"))["scheduler"]["schedules"]
    return int(described["CampaignSchedulerSchedule"]["runs"])


def _queued(running: RunningPlatform) -> int:
    """Messages waiting in, or taken from and not yet done with, every work queue."""
    sqs, waiting = running.aws("sqs"), 0
    for url in sqs.list_queues().get("QueueUrls", []):
        if url.endswith("dlq"):
            continue
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        waiting += sum(int(found.get(name, 0)) for name in names)
    return waiting


def _settle(running: RunningPlatform, key: str, campaign_id: str) -> tuple[Any, ...]:
    """Wait until nothing moves: no change for 3 s, during which the campaign scheduler
    (every 2 s locally) ran twice more and the work queues are empty. Time alone is not
    enough on a loaded machine: the first run after a clock move can start later than any
    fixed wait. Bounded to three minutes."""
    last, still_since, runs_then = None, time.monotonic(), _scheduler_runs(running)
    for _ in range(180):
        now = _state(running, key, campaign_id)
        if now != last:
            last, still_since, runs_then = now, time.monotonic(), _scheduler_runs(running)
        elif (
            time.monotonic() - still_since >= 3
            and _scheduler_runs(running) >= runs_then + 2
            and _queued(running) == 0
        ):
            return now
        time.sleep(1)
    raise AssertionError(f"the campaign never settled: {last}")


def _replied(running: RunningPlatform, key: str, campaign_id: str) -> bool:
    """The reply to step 1 has reached the campaign (the inbound poller runs every 5 s)."""
    found = _ok(running.get(f"/v1/campaigns/{campaign_id}", key))
    return bool(found["progress"]["steps"][0]["replied"])


def _enrolments(running: RunningPlatform, key: str, campaign_id: str) -> list[dict[str, Any]]:
    page = _ok(running.get(f"/v1/campaigns/{campaign_id}/contacts?limit=100", key))
    assert page["next_token"] is None
    return list(page["items"])


def test_a_three_step_campaign_over_three_mailboxes(running):
    key = running.demo_key
    mailboxes = [m["id"] for m in _ok(running.get("/v1/mailboxes", key))["items"]]
    assert len(mailboxes) == 3
    list_id = _import(running, key)
    campaign_id = _campaign(running, key, mailboxes)
    enrolled = _ok(running.request("POST", f"/v1/campaigns/{campaign_id}/enrol", key,
                                   json={"list_ids": [list_id]}))  # fmt: skip
    assert enrolled["enrolled"] == 30
    assert _ok(running.request("POST", f"/v1/campaigns/{campaign_id}/start", key))["status"] in (
        "sending",
        "scheduled",
    )

    # when the days pass: the platform settles, then its clock moves on a day
    by_day: list[Counter[str]] = []
    refused_first_day = None
    seen = 0
    for _ in range(MAX_DAYS):
        status, progress, _count = _settle(running, key, campaign_id)
        if refused_first_day is None:  # bounce@ spends its mailbox's room but reaches no one
            refused_first_day = progress["steps"][0]["bounced"]
        mail = _campaign_mail(running)
        if any(m["To"].addresses[0].addr_spec == f"reply+cmp@{SIM}" for m in mail):
            eventually(lambda: _replied(running, key, campaign_id), attempts=300)
        by_day.append(Counter(str(m["From"].addresses[0].addr_spec) for m in mail[seen:]))
        seen = len(mail)
        if status == "completed":
            break
        _ok(running.request("POST", "/local/clock", json={"advance_seconds": DAY}))
    detail = _ok(running.get(f"/v1/campaigns/{campaign_id}", key))
    mail = _campaign_mail(running)

    # then it completed, never over 5 a mailbox a day, the first day full on every mailbox
    # (15 sent, the refused address among them when it fell on that day)
    assert detail["status"] == "completed", detail
    assert all(n <= 5 for day in by_day for n in day.values()), by_day
    assert len(by_day[0]) == 3 and sum(by_day[0].values()) + refused_first_day == 15, by_day
    first = {m["To"].addresses[0].addr_spec: m for m in mail if "In-Reply-To" not in m}
    follow = {m["To"].addresses[0].addr_spec: m for m in mail if "In-Reply-To" in m}
    # step 1 reached everyone but the address refused at RCPT, over all three mailboxes
    assert set(first) == set(_addresses()) - {f"bounce+cmp@{SIM}"}
    assert len({m["From"].addresses[0].addr_spec for m in first.values()}) == 3
    # step 2 only to those who neither replied nor bounced: a reply in the same thread
    assert set(follow) == set(first) - {f"reply+cmp@{SIM}"}
    for to, message in follow.items():
        opener = first[to]
        assert message["From"].addresses[0].addr_spec == opener["From"].addresses[0].addr_spec
        assert message["In-Reply-To"] == opener["Message-ID"]
        assert opener["Message-ID"] in message["References"]
        assert message["Subject"] == "Re: " + str(opener["Subject"])
    # progress equals what the server received
    steps = detail["progress"]["steps"]
    assert (steps[0]["sent"], steps[0]["bounced"], steps[0]["replied"]) == (29, 1, 1), steps
    assert steps[1]["sent"] == len(follow) == 28, steps
    assert detail["progress"]["enrolled"] == 30
    assert detail["progress"]["finished"] == 30
    states = Counter(e["status"] for e in _enrolments(running, key, campaign_id))
    assert states == {"finished": 28, "stopped": 2}, states


def test_after_an_advance_the_app_reads_the_moved_clock(running):
    # given a platform whose clock is three days further ahead than it was
    before = running.get("/local/clock").json()["offset_seconds"]
    moved = running.request("POST", "/local/clock", json={"advance_seconds": THREE_DAYS})
    assert moved.status_code == 200 and moved.json()["offset_seconds"] == before + THREE_DAYS
    described = running.get("/local/platform").json()["clock"]["offset_seconds"]
    assert described == before + THREE_DAYS
    refused = running.request("POST", "/local/clock", json={"advance_seconds": 0})
    assert refused.status_code == 400
    assert refused.json()["error"]["details"]["field"] == "advance_seconds"
    # when the app records something
    reply = running.request(
        "POST", "/v1/tenants", running.admin_key, json={"name": "Later", "plan": "starter"}
    )
    assert reply.status_code == 201, reply.text
    # then its time is the moved one, not the system's
    created = parse_iso(reply.json()["tenant"]["created_at"])
    ahead = created - datetime.now(UTC)
    offset = timedelta(seconds=before + THREE_DAYS)
    assert offset - timedelta(hours=1) < ahead <= offset
