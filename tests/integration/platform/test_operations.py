"""Operations against the running local platform: the health report lists every queue's
depth, and ``make redrive QUEUE=… STAGE=local`` (its module, as the Makefile runs it) moves
a parked message back to its source queue over the emulator, then finds nothing left."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from infrastructure.local import template as tpl
from tests.integration.conftest import ROOT

QUEUES = tpl.dead_letter_sources(tpl.load())


def _redrive(platform, queue: str) -> dict:
    env = {**os.environ, "PM_LOCAL_AWS_PORT": str(platform.ports["aws"])}
    done = subprocess.run(
        [sys.executable, "-m", "infrastructure.ops.redrive", queue, "--stage", "local"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # a hang guard
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_health_lists_every_queue(platform):
    queues = platform.get("/v1/health").json()["queues"]
    assert set(queues) == set(QUEUES)
    assert {n for n, q in queues.items() if q["dead_letter"]} == {n for n, s in QUEUES.items() if s}


def test_make_redrive_moves_a_parked_message_once(platform):
    # given an inbound job parked on the inbound DLQ (a mailbox that does not exist: the
    # inbound worker finds nothing to read and the job ends there)
    sqs = platform.aws("sqs")
    dlq = sqs.get_queue_url(QueueName="penguinmails-local-inbound-dlq")["QueueUrl"]
    job = {"tenant_id": "ten_redrive", "mailbox_id": "mbx_redrive"}
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(job))
    # when the operator runs the redrive twice
    first, second = _redrive(platform, "inbound-dlq"), _redrive(platform, "inbound-dlq")
    # then the first moved it to its source, the second found nothing
    assert (first["moved"], first["source"], first["stopped"]) == (1, "inbound", "empty")
    assert second["moved"] == 0


def test_make_redrive_names_an_unknown_queue(platform):
    env = {**os.environ, "PM_LOCAL_AWS_PORT": str(platform.ports["aws"])}
    done = subprocess.run(
        [sys.executable, "-m", "infrastructure.ops.redrive", "nope-dlq", "--stage", "local"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "nope-dlq" in done.stderr
