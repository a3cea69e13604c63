"""Request and reply models of the warm-up routes (the OpenAPI source)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from chalicelib.http.schemas import Strict

PlanName = Literal["conservative", "standard", "aggressive"]


class StartWarmup(Strict):
    plan: PlanName
    pool: bool = True


class DecisionReply(BaseModel):
    action: Literal["increase", "hold", "step_back", "pause", "complete"]
    next_day: int
    volume: int
    reason: str
    inputs: dict[str, Any]


class DayStatsReply(BaseModel):
    sent: int
    bounced: int
    complained: int
    deferred: int
    inbox: int
    spam: int
    opened: int
    replied: int
    rescued: int  # moved by the pool from spam to the inbox
    clicked: int


class PoolDayReply(BaseModel):
    inbox: int
    spam: int
    rescued: int
    opened: int
    clicked: int
    replied: int


class DayReply(BaseModel):
    on: str
    day: int
    target: int
    stats: DayStatsReply
    decision: DecisionReply | None
    pool: PoolDayReply | None = Field(
        description="The pool's counters of the day now (opens and replies keep coming after "
        "the day closed); null before the pool saw any of its mail."
    )


class TodayReply(DayStatsReply):
    on: str | None
    target: int
    bounce_rate: float
    complaint_rate: float
    deferral_rate: float
    inbox_rate: float


class WarmupReply(BaseModel):
    mailbox_id: str
    plan: PlanName
    pool: bool
    status: Literal["warming", "paused", "stopped", "completed"]
    status_reason: str | None
    day: int
    last_day: int
    today: TodayReply
    last_decision: DecisionReply | None
    history: list[DayReply]
    started_at: str
    updated_at: str
