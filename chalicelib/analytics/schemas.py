"""Reply models of the analytics routes (the OpenAPI source). Counts carry every count
metric, rates every rate (0..1, 4 places, null when the denominator is 0), as
``rules.metrics`` names them."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Counts(BaseModel):
    sent: int
    delivered: int
    bounced: int
    opens_human: int
    opens_machine: int
    unique_opens: int
    clicks_human: int
    clicks_machine: int
    unique_clicks: int
    replies: int
    complaints: int
    unsubscribes: int
    deferred: int


class Rates(BaseModel):
    delivery_rate: float | None
    bounce_rate: float | None
    open_rate: float | None
    click_rate: float | None
    click_to_open_rate: float | None
    reply_rate: float | None
    spam_rate: float | None
    unsubscribe_rate: float | None


class OverviewReply(BaseModel):
    first: str = Field(alias="from")
    last: str = Field(alias="to")
    counts: Counts
    rates: Rates


class Scope(BaseModel):
    kind: str  # tenant | campaign | mailbox | domain
    id: str | None


class Point(BaseModel):
    period: str  # YYYY-MM-DD (day, or the Monday of the ISO week) or YYYY-MM
    value: int | float | None


class TimeseriesReply(BaseModel):
    metric: str
    group_by: str
    first: str = Field(alias="from")
    last: str = Field(alias="to")
    scope: Scope
    points: list[Point]


class StepFigures(BaseModel):
    step: int
    variant: str | None
    counts: Counts
    rates: Rates


class CampaignAnalyticsReply(BaseModel):
    campaign_id: str
    counts: Counts
    rates: Rates
    steps: list[StepFigures]


class DomainFigures(BaseModel):
    domain_id: str
    counts: Counts
    rates: Rates


class MailboxFigures(BaseModel):
    mailbox_id: str
    counts: Counts
    rates: Rates


class ProviderFigures(BaseModel):
    provider: str  # gmail | microsoft | yahoo | apple | other
    counts: Counts
    rates: Rates


class DeliverabilityReply(BaseModel):
    first: str = Field(alias="from")
    last: str = Field(alias="to")
    domains: list[DomainFigures]
    mailboxes: list[MailboxFigures]
    providers: list[ProviderFigures]


class HeatmapReply(BaseModel):
    months: list[str]
    weekdays: list[str]
    opens: list[list[int]]  # 7 weekdays (Monday first) x 24 hours, recipient's local time
    clicks: list[list[int]]
