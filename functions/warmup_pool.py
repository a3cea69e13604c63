"""The warm-up pool (schedule): every pool mailbox reads the warm-up mail it received and
acts on what is due (``chalicelib.warmup.pool``). One mailbox's failure is counted and the
others go on."""

from __future__ import annotations

from typing import Any

from functions._runtime import count, invocation


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from chalicelib.warmup import run_pool

    with invocation("warmup_pool", context):
        result = run_pool()
        count("WarmupPoolReceived", int(result["received"]))
        count("WarmupPoolMailboxesFailed", len(result["failed"]))
        return result
