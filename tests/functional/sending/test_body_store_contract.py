"""The ``BodyStore`` contract: ``FakeBodies`` and ``S3MessageBodies`` pass the same tests
(tenant-led keys, a body reads back as written)."""

from __future__ import annotations

import pytest

from chalicelib.core import ids
from chalicelib.sending.ports import BodyStore
from tests.fakes.sending import FakeBodies
from tests.functional.twins import TWINS, twin


@pytest.fixture(params=TWINS)
def store(request) -> BodyStore:
    def real() -> BodyStore:
        from chalicelib.sending.wiring import bodies

        return bodies()

    return twin(request, FakeBodies, real)


def test_a_body_key_is_led_by_its_tenant(store):
    assert store.key("ten_a", "bdy_b") == "tenant/ten_a/messages/bdy_b.json"


def test_a_body_reads_back_as_written(store):
    # given
    key = store.key(ids.new_id("ten"), ids.new_id("bdy"))
    body = {"subject": "Hi {{ name }}", "html": "<p>é ✓</p>", "text": None}

    # when
    store.put(key, body)

    # then
    assert store.get(key) == body
