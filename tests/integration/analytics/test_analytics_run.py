"""Issue 13's "Done when" on the shared running platform (its clock is never moved here):

- a small one-step campaign of a tenant of its own (so no other test's mail is counted):
  sends, a refused and a late (DSN) bounce, a reply, a complaint, human and machine opens,
  a person's click and a scanner's; ``GET /v1/analytics/overview`` for today and
  ``GET /v1/campaigns/{id}/analytics`` equal what the messages' own timelines show;
- a ``daily_summary`` report for today, after the local Firehose is flushed, returns the
  same numbers from the Parquet files through DuckDB;
- a bounce storm on another tenant's only mailbox: past 3 % the warning, past 5 % the
  pause, the mailbox ``paused``.

A person's open or click "a minute after sending" follows the email's own link re-signed
with the local stack's tracking key and a send time a minute back, as the tracking tests do.
"""

from __future__ import annotations

import dataclasses
import re
import time
import uuid
from collections import Counter
from typing import Any

import pytest
import requests

from tests.integration.conftest import RunningPlatform, eventually
from tests.integration.tenants import SendingTenant, sending_tenant

SIM = "sim.penguinmails.test"
FINAL = {"sent", "bounced", "failed", "suppressed", "cancelled"}
ALWAYS = {"weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00",
          "end": "24:00", "time_zone": "UTC"}  # fmt: skip
BROWSER = {"User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15"}
PROXY = {"User-Agent": "Mozilla/5.0 (via ggpht.com GoogleImageProxy)"}
SCANNER = {"User-Agent": "Mimecast"}
COMPARED = (
    "sent",
    "bounced",
    "delivered",
    "opens_human",
    "opens_machine",
    "unique_opens",
    "clicks_human",
    "clicks_machine",
    "unique_clicks",
    "replies",
    "complaints",
)


def _ok(reply: requests.Response, status: int = 200) -> Any:
    assert reply.status_code == status, (reply.request.method, reply.url, reply.text)
    return reply.json()


def _today(platform: RunningPlatform) -> str:
    """The day the app counts in: its clock's (never moved here, but read, not assumed)."""
    return str(_ok(platform.get("/local/clock"))["now"])[:10]


def _mailbox_id(platform: RunningPlatform, tenant: SendingTenant) -> str:
    boxes = _ok(platform.get("/v1/mailboxes", tenant.key))["items"]
    assert len(boxes) == 1
    return str(boxes[0]["id"])


# --- the campaign -------------------------------------------------------------------------


def _plan(run: str) -> list[str]:
    """12 recipients: 8 who read, a refused and a late bounce, a reply, a complaint."""
    kinds = ["success"] * 8 + ["bounce", "dsn", "reply", "complaint"]
    return [f"{kind}+an{run}{n}@{SIM}" for n, kind in enumerate(kinds)]


def _start_campaign(platform: RunningPlatform, tenant: SendingTenant, run: str) -> str:
    key = tenant.key
    listed = _ok(platform.request("POST", "/v1/lists", key, json={"name": "Readers"}), 201)
    rows = "".join(f"{a},Reader{i}\n" for i, a in enumerate(_plan(run)))
    body = {"csv": "Email,First Name\n" + rows, "list_id": listed["id"]}
    job = _ok(platform.request("POST", "/v1/imports", key, json=body), 201)

    def imported() -> dict[str, Any] | None:
        found = _ok(platform.get(f"/v1/imports/{job['id']}", key))
        return found if found["status"] in ("completed", "failed") else None

    assert eventually(imported, attempts=300)["created"] == 12
    html = '<p>Hi {{ first_name }}, <a href="https://example.com/offer?x=1">the offer</a>.</p>'
    campaign = {
        "name": "Analytics run",
        "steps": [{"type": "email", "subject": "Hello {{ first_name }}", "html": html}],
        "settings": {"mailbox_ids": [_mailbox_id(platform, tenant)], "window": ALWAYS},
    }
    campaign_id = _ok(platform.request("POST", "/v1/campaigns", key, json=campaign), 201)["id"]
    path = f"/v1/campaigns/{campaign_id}"
    enrol = {"list_ids": [listed["id"]]}
    enrolled = _ok(platform.request("POST", f"{path}/enrol", key, json=enrol))
    assert enrolled["enrolled"] == 12
    _ok(platform.request("POST", f"{path}/start", key))
    return str(campaign_id)


def _messages(platform: RunningPlatform, key: str) -> dict[str, dict[str, Any]]:
    """The tenant's messages, by recipient (a tenant of this module's own: all of them)."""
    items = _ok(platform.get("/v1/messages?limit=100", key))["items"]
    return {m["to"]: m for m in items}


def _detail(platform: RunningPlatform, key: str, message_id: str) -> dict[str, Any]:
    return dict(_ok(platform.get(f"/v1/messages/{message_id}", key)))


def _noted(entries: list[dict[str, Any]], what: str) -> int:
    """How often ``what`` is on a timeline: a transition to that status (an engagement note
    carries the message's status unchanged, so notes are not transitions), or a note."""
    return sum(1 for e in entries if e.get("event", e["status"]) == what)


def _all_final(platform: RunningPlatform, key: str, run: str) -> dict[str, dict[str, Any]]:
    """Every message final and the simulator's late answers on their timelines."""

    def done() -> dict[str, dict[str, Any]] | None:
        found = _messages(platform, key)
        if len(found) < 12 or any(m["status"] not in FINAL for m in found.values()):
            return None
        details = {to: _detail(platform, key, m["id"]) for to, m in found.items()}
        late = {"dsn": "bounced", "reply": "reply", "complaint": "complained"}
        for to, detail in details.items():
            kind = to.split("+")[0]
            if kind in late and not _noted(detail["timeline"], late[kind]):
                return None
        return details

    return eventually(done, attempts=240, pause=0.5)


# --- tracking -----------------------------------------------------------------------------


def _tracking_keys(platform: RunningPlatform) -> Any:
    from chalicelib.sending.rules.tokens import load_keys

    secret = platform.aws("secretsmanager").get_secret_value(
        SecretId="penguinmails/local/tracking-keys"
    )
    return load_keys(secret["SecretString"])


def _as_if_sent(url: str, keys: Any, seconds_ago: int) -> str:
    from chalicelib.sending.rules.tokens import decode, encode

    base, _, token = url.rpartition("/")
    claims = decode(token, keys, int(time.time()))
    moved = dataclasses.replace(claims, sent_at=int(time.time()) - seconds_ago)
    return f"{base}/{encode(moved, keys)}"


def _links(platform: RunningPlatform, to: str) -> tuple[str, str]:
    """The pixel and the click link of the email the SMTP server received for ``to``."""
    import email
    import email.policy

    query = {"to": to}  # params: the address's "+" must not reach the server as a space
    stored = eventually(lambda: _ok(platform.get("/local/smtp/messages", params=query))["items"])
    raw = stored[0]["raw"]
    parsed = email.message_from_string(raw, policy=email.policy.default)
    html = parsed.get_body(("html",)).get_content()  # type: ignore[union-attr]
    pixel = re.search(r'src="(https?://[^"]+/t/o/[^"]+)"', html)
    click = re.search(r'href="(https?://[^"]+/t/c/[^"]+)"', html)
    assert pixel and click, html
    return pixel.group(1), click.group(1)


def _hit(url: str, headers: dict[str, str]) -> None:
    reply = requests.get(url, timeout=10, allow_redirects=False, headers=headers)
    assert reply.status_code in (200, 302), (url, reply.status_code)


def _engage(platform: RunningPlatform, readers: list[str]) -> None:
    """Reader 0 opens twice and clicks; reader 1 opens once, a scanner clicks its link;
    reader 2's mail is only fetched by an image proxy; readers 0 and 1 are fetched too."""
    keys = _tracking_keys(platform)
    links = [_links(platform, to) for to in readers[:3]]
    for pixel, _ in links:
        _hit(pixel, PROXY)
    (pixel0, click0), (pixel1, click1) = links[0], links[1]
    _hit(_as_if_sent(pixel0, keys, 60), BROWSER)
    _hit(_as_if_sent(pixel0, keys, 90), BROWSER)
    _hit(_as_if_sent(click0, keys, 60), BROWSER)
    _hit(_as_if_sent(pixel1, keys, 60), BROWSER)
    _hit(click1, SCANNER)


def _engaged(platform: RunningPlatform, key: str, details: dict[str, dict[str, Any]]) -> Any:
    """Wait until the engagement above is on the three messages; the details again."""
    want = [((2, 1), (1, 0)), ((1, 1), (0, 1)), ((0, 1), (0, 0))]  # (opens, clicks) h, m

    def done() -> dict[str, dict[str, Any]] | None:
        fresh = {to: _detail(platform, key, m["id"]) for to, m in details.items()}
        readers = sorted(to for to in fresh if to.startswith("success+"))[:3]
        for to, ((oh, om), (ch, cm)) in zip(readers, want, strict=True):
            seen = fresh[to]["engagement"]
            got = (seen["opens"]["human"], seen["opens"]["machine"])
            if got != (oh, om) or (seen["clicks"]["human"], seen["clicks"]["machine"]) != (ch, cm):
                return None
        return fresh

    return eventually(done, attempts=240, pause=0.5)


# --- what the timelines say -----------------------------------------------------------------


def _from_timelines(details: dict[str, dict[str, Any]]) -> dict[str, int]:
    """The counts, from each message's own timeline and engagement."""
    found: Counter[str] = Counter()
    for detail in details.values():
        timeline, seen = detail["timeline"], detail["engagement"]
        found["sent"] += _noted(timeline, "sent")
        found["bounced"] += _noted(timeline, "bounced")
        found["replies"] += _noted(timeline, "reply")
        found["complaints"] += _noted(timeline, "complained")
        for kind in ("opens", "clicks"):
            found[f"{kind}_human"] += seen[kind]["human"]
            found[f"{kind}_machine"] += seen[kind]["machine"]
            found[f"unique_{kind}"] += 1 if seen[kind]["human"] else 0
    found["delivered"] = max(found["sent"] - found["bounced"], 0)
    return {name: found[name] for name in COMPARED}


def _picked(counts: dict[str, Any]) -> dict[str, int]:
    return {name: int(counts[name]) for name in COMPARED}


def _counted(platform: RunningPlatform, key: str, path: str, want: dict[str, int]) -> Any:
    """``path``'s counts once they equal ``want`` (the consumer lags a little)."""
    last: list[dict[str, int]] = []

    def equal() -> dict[str, Any] | None:
        reply = _ok(platform.get(path, key))
        last[:] = [_picked(reply["counts"])]
        return reply if last[0] == want else None

    try:
        return eventually(equal, attempts=120, pause=0.5)
    except AssertionError:
        raise AssertionError(f"{path}: {last} != timelines {want}") from None


def _report(platform: RunningPlatform, key: str, today: str) -> dict[str, Any]:
    body = {"kind": "daily_summary", "filters": {"from": today, "to": today}}
    created = _ok(platform.request("POST", "/v1/analytics/reports", key, json=body), 202)

    def finished() -> dict[str, Any] | None:
        found = _ok(platform.get(f"/v1/analytics/reports/{created['id']}", key))
        return found if found["status"] in ("completed", "failed") else None

    return dict(eventually(finished, attempts=240, pause=0.5))


@pytest.fixture(scope="module")
def readers_tenant(platform: RunningPlatform) -> SendingTenant:
    return sending_tenant(platform, "business", boxes=1)


def test_a_campaign_counts_as_its_timelines_say_and_the_report_agrees(platform, readers_tenant):
    key, run = readers_tenant.key, uuid.uuid4().hex[:6]
    today = _today(platform)
    campaign_id = _start_campaign(platform, readers_tenant, run)
    details = _all_final(platform, key, run)
    readers = sorted(to for to in details if to.startswith("success+"))
    _engage(platform, readers)
    details = _engaged(platform, key, details)
    want = _from_timelines(details)
    # the scenario is what it means to be: each kind of count is there
    assert want["bounced"] == 2 and want["replies"] == 1 and want["complaints"] == 1, want
    assert want["opens_human"] == 3 and want["opens_machine"] == 3 and want["unique_opens"] == 2
    assert want["clicks_human"] == 1 and want["clicks_machine"] == 1, want

    # then the overview for today and the campaign's analytics say the same
    overview = _counted(platform, key, f"/v1/analytics/overview?from={today}&to={today}", want)
    assert overview["rates"]["bounce_rate"] == round(want["bounced"] / want["sent"], 4)
    campaign = _counted(platform, key, f"/v1/campaigns/{campaign_id}/analytics", want)
    assert [s["step"] for s in campaign["steps"]] == [1]
    assert _picked(campaign["steps"][0]["counts"]) == want

    # and a daily summary of today, from the OLAP files, has the same numbers
    flushed = _ok(platform.request("POST", "/local/analytics/flush"))
    assert set(flushed) >= {"files", "records"}, flushed
    report = _report(platform, key, today)
    assert report["status"] == "completed", report
    rows = [dict(zip(report["columns"], row, strict=True)) for row in report["rows"]]
    assert [r["day"] for r in rows] == [today], rows
    assert {name: rows[0][name] for name in COMPARED} == want


# --- the bounce storm -----------------------------------------------------------------------


def _send(platform: RunningPlatform, tenant: SendingTenant, addresses: list[str]) -> list[str]:
    body = {
        "from": tenant.mailboxes[0],
        "subject": "Storm",
        "text": "Hello.",
        "recipients": [{"to": a} for a in addresses],
    }
    reply = _ok(platform.request("POST", "/v1/messages/batch", tenant.key, json=body), 202)
    return [r["id"] for r in reply["results"]]


def _final(platform: RunningPlatform, key: str, ids: list[str]) -> None:
    def done() -> bool:
        return all(_detail(platform, key, i)["status"] in FINAL for i in ids)

    eventually(done, attempts=240, pause=0.5)


def _mailbox_counts(platform: RunningPlatform, key: str, mailbox_id: str, metric: str) -> int:
    path = f"/v1/analytics/timeseries?metric={metric}&group_by=day&mailbox_id={mailbox_id}"
    points = _ok(platform.get(path, key))["points"]
    return sum(int(p["value"] or 0) for p in points)


def _alerts(platform: RunningPlatform, key: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The tenant's alerts by (kind, scope)."""
    items = _ok(platform.get("/v1/alerts?limit=100", key))["items"]
    return {(a["kind"], a["scope"]): a for a in items}


def _monitor(platform: RunningPlatform, tenant: SendingTenant) -> dict[str, Any]:
    """One health-monitor run over this tenant: the shared platform holds the schedule (its
    demo mailboxes bounce on purpose in other tests), so the test fires it."""
    body = {"schedule": "HealthMonitorSchedule", "detail": {"tenant_id": tenant.tenant_id}}
    state = _ok(platform.request("POST", "/local/schedules/run", json=body))
    assert state["held"] and not state["last_error"], state
    return dict(state["last_result"])


def _reached(platform: RunningPlatform, key: str, mailbox_id: str, metric: str, least: int) -> None:
    eventually(lambda: _mailbox_counts(platform, key, mailbox_id, metric) >= least)


def test_a_bounce_storm_warns_then_pauses_the_mailbox(platform):
    storm = sending_tenant(platform, "business", boxes=1)
    key, run = storm.key, uuid.uuid4().hex[:6]
    mailbox_id = _mailbox_id(platform, storm)
    scope = f"mailbox:{mailbox_id}"
    # given 24 delivered, counted
    _final(platform, key, _send(platform, storm, [f"success+st{run}{n}@{SIM}" for n in range(24)]))
    _reached(platform, key, mailbox_id, "sent", 24)
    assert _monitor(platform, storm)["raised"] == 0
    assert _alerts(platform, key) == {}  # nothing bounced, nothing raised

    # when one is refused: 1 bounce in 24 sent (4.2 %) is past 3 % and not past 5 %
    _final(platform, key, _send(platform, storm, [f"bounce+st{run}a@{SIM}"]))
    _reached(platform, key, mailbox_id, "bounced", 1)
    assert _monitor(platform, storm)["raised"] >= 1
    warned = _alerts(platform, key)[("bounce_rate_warning", scope)]
    why = warned["explanation"]
    assert (why["sent"], why["bounced"], why["threshold"]) == (24, 1, 0.03), why
    assert warned["action"] == "none" and warned["severity"] == "warning"
    assert not [k for k, _ in _alerts(platform, key) if k == "bounce_rate_pause"]
    assert _ok(platform.get(f"/v1/mailboxes/{mailbox_id}", key))["status"] == "active"

    # when two more are refused: 3 in 24 (12.5 %) is past 5 %, the mailbox is paused
    _final(platform, key, _send(platform, storm, [f"bounce+st{run}{c}@{SIM}" for c in "bc"]))
    _reached(platform, key, mailbox_id, "bounced", 3)
    _monitor(platform, storm)
    paused = _alerts(platform, key)[("bounce_rate_pause", scope)]
    why = paused["explanation"]
    assert why["threshold"] == 0.05 and why["bounced"] > 1 and why["decision"] == "pause_mailbox"
    assert paused["severity"] == "critical" and paused["action"] == "pause_mailbox"

    def mailbox_paused() -> dict[str, Any] | None:
        found = _ok(platform.get(f"/v1/mailboxes/{mailbox_id}", key))
        return found if found["status"] == "paused" else None

    assert eventually(mailbox_paused, attempts=60)["paused_by"], "the pause says who paused it"
    # the warning came first, in an earlier evaluation than the pause
    assert warned["raised_at"] < paused["raised_at"]
    # the domain (its only mailbox) is judged the same way
    domain = f"domain:{_domain_id(platform, storm)}"
    assert {k for k, s in _alerts(platform, key) if s == domain} >= {
        "bounce_rate_warning",
        "bounce_rate_pause",
    }


def _domain_id(platform: RunningPlatform, tenant: SendingTenant) -> str:
    domains = _ok(platform.get("/v1/domains", tenant.key))["items"]
    return str(domains[0]["id"])
