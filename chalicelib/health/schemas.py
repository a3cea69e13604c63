"""Reply models of the health routes (the OpenAPI source)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

AlertKind = Literal[
    "bounce_rate_warning",
    "bounce_rate_pause",
    "spam_rate_pause",
    "blacklisted",
    "anomaly_bounce_rate",
    "anomaly_deferral_rate",
    "anomaly_spam_rate",
    "spam_forecast",
]


class AlertReply(BaseModel):
    id: str
    kind: AlertKind
    scope: str
    day: str
    severity: Literal["warning", "critical"]
    status: Literal["open", "resolved"]
    action: Literal["none", "pause_mailbox", "pause_domain", "pause_campaign", "throttle_mailbox"]
    outcome: str
    message: str
    explanation: dict[str, Any]
    raised_at: str


class AlertPage(BaseModel):
    items: list[AlertReply]
    next_token: str | None


class ScorePart(BaseModel):
    name: Literal["authentication", "deliverability", "engagement", "infrastructure"]
    points: float
    max_points: int
    inputs: dict[str, Any]
    reasons: list[str]


class Detection(BaseModel):
    metric: str
    inputs: list[dict[str, Any]]
    value: float | None
    mean: float | None
    std: float | None
    z: float | None
    threshold: float
    alpha: float
    warmup_days: int
    decision: Literal["anomaly", "normal", "warming_up", "no_data"]


class Forecast(BaseModel):
    inputs: list[dict[str, Any]]
    method: str
    limit: float
    horizon_days: int
    slope_per_day: float | None
    today_fitted: float | None
    crossing_day: str | None
    days_until: int | None
    decision: Literal["throttle", "ok", "no_data"]


class HealthReply(BaseModel):
    scope: str
    day: str
    score_window: dict[str, str]
    history_window: dict[str, str]
    score: int
    parts: list[ScorePart]
    anomalies: list[Detection]
    forecast: Forecast
