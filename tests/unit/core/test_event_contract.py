"""The event check the integration tier runs over the whole stream (``event_contract``):
every type has a well-formed schema, a right event passes, and a wrong one fails."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from chalicelib.core.events import EVENT_TYPES, new_event
from tests.integration.event_contract import (
    ENVELOPE,
    SCHEMAS,
    event_problems,
    record_problems,
    schema_types,
)

TENANT = "ten_" + "a" * 20
AT = "2026-11-28T10:00:00.000Z"


def _sent() -> dict:
    return new_event(
        "message.sent",
        TENANT,
        AT,
        message_id="msg_abc234",
        mailbox_id="mbx_abc",
        to="a@example.test",
        attempt=1,
        smtp_code=250,
        enhanced_status="2.0.0",
        smtp_text="ok",
        stage="done",
    )


def test_every_event_type_has_a_schema_and_every_schema_a_type():
    assert schema_types() == set(EVENT_TYPES)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_schema_is_2020_12_closed_and_requires_the_envelope(event_type):
    schema = json.loads((SCHEMAS / f"{event_type}.json").read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["type"] == {"const": event_type}
    assert set(ENVELOPE) <= set(schema["required"])
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) <= set(schema["properties"])


def test_a_right_event_passes():
    assert event_problems(_sent()) == []
    assert record_problems(json.dumps(_sent()).encode()) == []


@pytest.mark.parametrize(
    ("change", "found"),
    [
        (lambda e: e.update(unexpected=1), "Additional properties are not allowed"),
        (lambda e: e.pop("smtp_code"), "'smtp_code' is a required property"),
        (lambda e: e.pop("event_id"), "'event_id' is a required property"),
        (lambda e: e.update(attempt="1"), "attempt: '1' is not of type 'integer'"),
        (lambda e: e.update(smtp_code=700), "smtp_code: 700 is greater than the maximum"),
        (lambda e: e.update(stage="elsewhere"), "stage: 'elsewhere' is not one of"),
        (lambda e: e.update(tenant_id="tenant-1"), "tenant_id: 'tenant-1' does not match"),
        (lambda e: e.update(occurred_at="yesterday"), "occurred_at: 'yesterday' is not a"),
        (lambda e: e.update(schema_version=2), "schema_version: 1 was expected"),
    ],
)
def test_a_wrong_event_fails(change, found):
    event = _sent()
    change(event)
    problems = event_problems(event)
    assert any(found in p for p in problems), problems


def test_an_event_without_a_schema_fails():
    event = {**_sent(), "type": "message.teleported"}
    assert event_problems(event) == [
        f"message.teleported {event['event_id']}: no schema events/schemas/message.teleported.json"
    ]
    assert any("no schema" in p for p in event_problems({**_sent(), "type": "../etc/passwd"}))
    untyped = {k: v for k, v in _sent().items() if k != "type"}
    assert any("no type" in p for p in event_problems(untyped))


def test_a_record_that_is_no_event_fails():
    assert any("not JSON" in p for p in record_problems(b"{broken"))
    assert any("not a JSON object" in p for p in record_problems(b"[1, 2]"))
