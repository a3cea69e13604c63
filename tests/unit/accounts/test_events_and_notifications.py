from email import message_from_bytes, policy

import pytest

from chalicelib.accounts.rules import notifications
from chalicelib.analytics.rules import counter_names
from chalicelib.core import events


def test_events_carry_the_envelope_and_typed_fields():
    event = events.new_event("api_key.created", "ten_x", "2026-11-28T01:02:03.000Z", key_id="key_1")
    assert set(event) >= {"event_id", "type", "tenant_id", "occurred_at", "schema_version"}
    assert event["key_id"] == "key_1" and event["event_id"].startswith("evt_")
    assert counter_names(event) == ["month#2026-11", "day#2026-11-28"]


def test_unknown_event_types_are_refused():
    with pytest.raises(ValueError):
        events.new_event("tenant.exploded", "ten_x", "now")


def test_notification_emails_are_valid_mime_without_secrets():
    job = notifications.new_job(
        "api_key.created",
        "ten_x",
        "ops@acme.test",
        {"key_name": "ci", "key_id": "key_1", "key_prefix": "pm_live_abcd"},
    )
    raw = notifications.build_email(job, "PenguinMails <n@penguinmails.local>").as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["To"] == "ops@acme.test"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert "key_1" in parsed.get_content()
    assert parsed["Message-ID"].endswith("@penguinmails.local>")


def test_unknown_notification_kinds_are_refused():
    with pytest.raises(ValueError):
        notifications.new_job("spam", "ten_x", "a@b.test", {})


def test_a_dmarc_upgrade_notice_names_the_record_and_the_value_to_publish():
    value = "v=DMARC1; p=quarantine; pct=10; rua=mailto:r@pm.test"
    facts = {"domain": "acme.test", "domain_id": "dom_1", "record": "_dmarc.acme.test"}
    job = notifications.new_job(
        "domain.dmarc_upgrade", "ten_x", "ops@acme.test", {**facts, "value": value}
    )
    parsed = message_from_bytes(
        notifications.build_email(job, "n@penguinmails.local").as_bytes(), policy=policy.default
    )
    assert "DMARC" in parsed["Subject"]
    text = parsed.get_content()
    assert "_dmarc.acme.test" in text and value in text and "dom_1" in text


def test_a_circuit_opened_notice_names_the_server_and_when_sending_resumes():
    facts = {"server": "smtp.acme.test:587", "failures": "3", "until": "2027-01-15T08:01:00.000Z"}
    job = notifications.new_job("server.circuit_opened", "ten_x", "ops@acme.test", facts)
    parsed = message_from_bytes(
        notifications.build_email(job, "n@penguinmails.local").as_bytes(), policy=policy.default
    )
    assert "SMTP server" in parsed["Subject"]
    text = parsed.get_content()
    assert "smtp.acme.test:587" in text and "2027-01-15T08:01:00.000Z" in text
    assert "attempts" in text
