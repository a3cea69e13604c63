"""The /local/ routes over the local mailboxes' folders, flags, moves and placement and the
simulator's forced bounces: answers, the old positional listing unchanged, 400 for a body
that is not JSON, 422 naming the bad field, 404 for a message that is not there."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from infrastructure.local.http_server import LocalRoutes
from infrastructure.local.mail_store import inbox_record
from infrastructure.local.smtp_server import LocalSmtpServer

ANNA = "anna@pool.example"
M1, M2 = "<m1@acme.example>", "<m2@acme.example>"


def _raw(message_id: str) -> str:
    return f"Message-ID: {message_id}\r\nX-PM-Warmup: wt_token\r\n\r\nbody\r\n"


@pytest.fixture
def smtp() -> Iterator[LocalSmtpServer]:
    server = LocalSmtpServer(port=0)  # never started: the store and simulator work without
    store = server.mail_store
    store.deliver(ANNA, inbox_record(ANNA, "bob@acme.example", _raw(M1), "delivered", "t"), "spam")
    store.deliver(ANNA, inbox_record(ANNA, "bob@acme.example", _raw(M2), "delivered", "t"), "inbox")
    yield server


def _call(smtp: LocalSmtpServer, method: str, path: str, body: object = None) -> tuple[int, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body else b""
    return LocalRoutes(smtp, describe=dict).handle(method, path, raw)


def _field(reply: tuple[int, dict]) -> tuple[int, str]:
    status, body = reply
    return status, body["error"]["details"].get("field", "")


def test_folder_listing_by_uid_with_the_state(smtp: LocalSmtpServer) -> None:
    status, body = _call(smtp, "GET", f"/local/smtp/inbox?user={ANNA}&folder=spam&after_uid=0")

    assert status == 200
    [item] = body["items"]
    assert {k: item[k] for k in ("uid", "folder", "flags", "message_id")} == {
        "uid": 1,
        "folder": "spam",
        "flags": [],
        "message_id": M1,
    }
    assert item["raw"] == _raw(M1)
    path = f"/local/smtp/inbox?user={ANNA.upper()}&folder=spam&after_uid=1"
    assert _call(smtp, "GET", path) == (200, {"items": []})


def test_flags_and_move_then_the_old_listing_keeps_its_positions(smtp: LocalSmtpServer) -> None:
    flagged = _call(
        smtp, "POST", "/local/smtp/inbox/flags", {"user": ANNA, "message_id": M1, "add": ["\\Seen"]}
    )
    to_inbox = {"user": ANNA, "message_id": M1, "to": "inbox"}
    moved = _call(smtp, "POST", "/local/smtp/inbox/move", to_inbox)

    assert flagged[0] == 200 and moved == (
        200,
        {"user": ANNA, "message_id": M1, "to": "inbox", "moved": 1},
    )
    _, inbox = _call(smtp, "GET", f"/local/smtp/inbox?user={ANNA}&folder=inbox")
    assert [(i["message_id"], i["uid"], i["flags"]) for i in inbox["items"]] == [
        (M2, 1, []),
        (M1, 2, ["\\Seen"]),
    ]
    _, old = _call(smtp, "GET", f"/local/smtp/inbox?user={ANNA}")
    assert [i["raw"] for i in old["items"]] == [_raw(M1), _raw(M2)]
    assert _call(smtp, "GET", "/local/smtp/inbox") == (200, {"inboxes": {ANNA: 2}})


def test_a_message_that_is_not_there_is_a_404(smtp: LocalSmtpServer) -> None:
    gone = {"user": ANNA, "message_id": "<gone@x>", "add": ["\\Seen"]}
    assert _call(smtp, "POST", "/local/smtp/inbox/flags", gone)[0] == 404
    in_inbox = {"user": ANNA, "message_id": M2, "to": "inbox"}
    status, body = _call(smtp, "POST", "/local/smtp/inbox/move", in_inbox)
    assert status == 404 and body["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message_id": M1, "add": ["\\Seen"]}, "user"),
        ({"user": ANNA, "message_id": "", "add": ["\\Seen"]}, "message_id"),
        ({"user": ANNA, "message_id": M1, "add": []}, "add"),
        ({"user": ANNA, "message_id": M1, "add": ["\\Seen Flagged"]}, "add"),
        ({"user": ANNA, "message_id": M1, "add": "\\Seen"}, "add"),
    ],
)
def test_bad_flags_input_is_a_422_naming_the_field(
    smtp: LocalSmtpServer, body: dict, field: str
) -> None:
    assert _field(_call(smtp, "POST", "/local/smtp/inbox/flags", body)) == (422, field)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/local/smtp/inbox?user=&folder=inbox", "user"),
        (f"/local/smtp/inbox?user={ANNA}&folder=trash", "folder"),
        (f"/local/smtp/inbox?user={ANNA}&folder=inbox&after_uid=-1", "after_uid"),
        (f"/local/smtp/inbox?user={ANNA}&folder=inbox&limit=x", "limit"),
    ],
)
def test_bad_listing_query_is_a_422_naming_the_field(
    smtp: LocalSmtpServer, path: str, field: str
) -> None:
    assert _field(_call(smtp, "GET", path)) == (422, field)


def test_move_needs_a_folder_and_bodies_must_be_json_objects(smtp: LocalSmtpServer) -> None:
    to_trash = {"user": ANNA, "message_id": M1, "to": "trash"}
    assert _field(_call(smtp, "POST", "/local/smtp/inbox/move", to_trash)) == (422, "to")
    assert _call(smtp, "POST", "/local/smtp/inbox/move", b"[1]")[0] == 400
    assert _call(smtp, "POST", "/local/smtp/placement", b"not json")[0] == 400


def test_placement_is_shown_and_set(smtp: LocalSmtpServer) -> None:
    assert _call(smtp, "GET", "/local/smtp/placement") == (200, {"spam_rate": 0.25})
    assert _call(smtp, "POST", "/local/smtp/placement", {"spam_rate": 1}) == (
        200,
        {"spam_rate": 1.0},
    )
    assert smtp.mail_store.spam_rate == 1.0
    for bad in (1.5, -1, "0.5", None, True):
        reply = _call(smtp, "POST", "/local/smtp/placement", {"spam_rate": bad})
        assert _field(reply) == (422, "spam_rate")
    assert smtp.mail_store.spam_rate == 1.0


def test_forced_bounces_are_set_listed_and_removed(smtp: LocalSmtpServer) -> None:
    forced = {"sender": "Bob@Acme.example", "rate": 0.5}
    status, body = _call(smtp, "POST", "/local/simulator/bounces", forced)

    assert status == 200
    assert body == {
        "items": [{"sender": "bob@acme.example", "rate": 0.5, "recipients": 0, "refused": 0}]
    }
    assert _call(smtp, "GET", "/local/simulator/bounces") == (200, body)
    _call(smtp, "POST", "/local/simulator/bounces", {"sender": "bob@acme.example", "rate": 0})
    assert _call(smtp, "GET", "/local/simulator/bounces") == (200, {"items": []})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sender": "bob", "rate": 0.5}, "sender"),
        ({"rate": 0.5}, "sender"),
        ({"sender": "bob@acme.example", "rate": 2}, "rate"),
        ({"sender": "bob@acme.example"}, "rate"),
        ({"sender": "bob@acme.example", "rate": False}, "rate"),
    ],
)
def test_bad_forced_bounce_input_is_a_422_naming_the_field(
    smtp: LocalSmtpServer, body: dict, field: str
) -> None:
    assert _field(_call(smtp, "POST", "/local/simulator/bounces", body)) == (422, field)


def test_without_the_simulator_forced_bounces_are_a_404() -> None:
    plain = LocalSmtpServer(port=0, simulator=False)
    assert _call(plain, "GET", "/local/simulator/bounces")[0] == 404
    body = {"sender": "bob@acme.example", "rate": 0.5}
    assert _call(plain, "POST", "/local/simulator/bounces", body)[0] == 404
