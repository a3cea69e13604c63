"""``make redrive QUEUE=<dead-letter queue> [STAGE=dev] [LIMIT=1000]``: move a dead-letter
queue's messages back onto the queue whose ``RedrivePolicy`` names it, with the same service
as ``POST /v1/admin/queues/{name}/redrive`` (``chalicelib.operations``), safe to run twice.

Which queue feeds which dead-letter queue is read from ``infrastructure/template.yaml``;
the queues' URLs from the stack's outputs (``penguinmails-<stage>``, through the one
resource mapping). ``STAGE=local`` works against a running local platform's emulator
(``PM_LOCAL_AWS_PORT``, default 4566); other stages use the usual AWS credentials.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from chalicelib.core.resources import SOURCES, queues
from chalicelib.operations.service import DEFAULT_LIMIT, MAX_LIMIT, Redrive, redrive
from chalicelib.operations.store import SqsDeadLetters
from infrastructure.local import template as tpl


def queue_urls(outputs: dict[str, str]) -> dict[str, str]:
    """Queue name → URL, from a stack's outputs."""
    found = {}
    for ref in queues().values():
        output = SOURCES[ref.setting].output
        if output in outputs:
            found[ref.name] = outputs[output]
    return found


def run(cfn: Any, sqs: Any, stack: str, queue: str, limit: int, wait: int = 1) -> Redrive:
    stacks = cfn.describe_stacks(StackName=stack)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    known = tpl.dead_letter_sources(tpl.load())
    return redrive(SqsDeadLetters(sqs, queue_urls(outputs), wait_seconds=wait), known, queue, limit)


def _clients(stage: str, region: str | None) -> tuple[Any, Any]:
    import boto3

    if stage != "local":
        session = boto3.session.Session(region_name=region)
        return session.client("cloudformation"), session.client("sqs")
    from infrastructure.local.emulator import CREDENTIALS, REGION

    endpoint = f"http://127.0.0.1:{os.environ.get('PM_LOCAL_AWS_PORT', '4566')}"
    session = boto3.session.Session(region_name=REGION, **CREDENTIALS)
    return (
        session.client("cloudformation", endpoint_url=endpoint),
        session.client("sqs", endpoint_url=endpoint),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("queue", help="a dead-letter queue's name, e.g. send-bulk-dlq")
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--region", default=None)
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT)
    args = parser.parse_args(argv)
    if not 1 <= args.limit <= MAX_LIMIT:
        parser.error(f"--limit must be from 1 to {MAX_LIMIT}")
    from chalicelib.core.errors import AppError

    cfn, sqs = _clients(args.stage, args.region)
    try:
        done = run(cfn, sqs, f"penguinmails-{args.stage}", args.queue, args.limit)
    except AppError as exc:
        print(f"redrive: {exc.message} {json.dumps(exc.details)}", file=sys.stderr)
        return 2
    print(json.dumps(done.to_public()))
    return 0 if done.stopped != "refused" else 1


if __name__ == "__main__":
    sys.exit(main())
