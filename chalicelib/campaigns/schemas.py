"""Request and reply models of the campaigns routes (the OpenAPI source). Shapes only: the
rules that need the tenant's data (mailboxes, templates, variables, waits above zero, the
window) are checked by the service and answered 422 naming the field."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from chalicelib.http.schemas import Name, Strict, no_cr_lf

Subject = Annotated[str, Field(min_length=1, max_length=998), AfterValidator(no_cr_lf)]
Body = Annotated[str, Field(min_length=1, max_length=200_000)]
Id = Annotated[str, Field(min_length=1, max_length=64)]
VariantName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,20}$")]
WEEKDAYS: list[str | int] = ["mon", "tue", "wed", "thu", "fri"]


def _instant(value: str) -> str:
    from chalicelib.core.clock import iso, parse_iso

    try:
        moment = parse_iso(value)
    except ValueError as exc:
        raise ValueError("must be an ISO 8601 time such as 2026-12-01T09:00:00Z") from exc
    if moment.tzinfo is None:
        raise ValueError("must carry a time zone (Z or an offset)")
    return iso(moment)


Instant = Annotated[str, Field(max_length=40), AfterValidator(_instant)]


class Variant(Strict):
    name: VariantName
    weight: int = Field(default=1, ge=0, le=1000)
    template_id: Id | None = None
    subject: Subject | None = None
    html: Body | None = None
    text: Body | None = None


class EmailStep(Strict):
    type: Literal["email"]
    template_id: Id | None = None
    subject: Subject | None = None
    html: Body | None = None
    text: Body | None = None
    variants: list[Variant] = Field(default_factory=list, max_length=10)
    thread: bool = Field(default=True, description="A follow-up answers the previous email.")


class WaitStep(Strict):
    type: Literal["wait"]
    hours: int | None = Field(default=None, le=24 * 366)
    business_days: int | None = Field(default=None, le=366)


class ConditionStep(Strict):
    type: Literal["condition"]
    condition: Literal["not_opened", "not_clicked", "not_replied"]


Step = Annotated[EmailStep | WaitStep | ConditionStep, Field(discriminator="type")]


class Window(Strict):
    weekdays: list[str | int] = Field(default_factory=lambda: list(WEEKDAYS), max_length=7)
    start: str = Field(default="09:00", max_length=5)
    end: str = Field(default="17:00", max_length=5)
    time_zone: str = Field(default="UTC", max_length=64)


class AutoWinner(Strict):
    enabled: bool = Field(
        default=False,
        description="Once every variant of a step was sent to min_sample contacts and one "
        "leads on reply rate, send only it to the contacts not yet sent that step.",
    )
    min_sample: int = Field(default=100, ge=1, le=100_000)


class Settings(Strict):
    mailbox_ids: list[Id] = Field(default_factory=list, max_length=200)
    daily_limit: int | None = Field(default=None, ge=1, le=1_000_000)
    per_mailbox_daily_limit: int | None = Field(default=None, ge=1, le=100_000)
    window: Window = Field(default_factory=lambda: Window())
    stop_on_reply: bool = True
    track_opens: bool = True
    track_clicks: bool = True
    unsubscribe_footer: bool = Field(
        default=True,
        description="Always on: every campaign email carries List-Unsubscribe and a footer "
        "with the tenant's postal address (CAN-SPAM); false is a 422.",
    )
    start_at: Instant | None = None
    ab_auto_winner: AutoWinner = Field(default_factory=lambda: AutoWinner())


class CreateCampaign(Strict):
    name: Name
    steps: list[Step] = Field(max_length=50)
    settings: Settings


class UpdateCampaign(Strict):
    name: Name | None = None
    steps: list[Step] | None = Field(default=None, max_length=50)
    settings: Settings | None = None


class Enrol(Strict):
    contact_ids: list[Id] = Field(default_factory=list, max_length=1000)
    list_ids: list[Id] = Field(default_factory=list, max_length=20)


class CampaignReply(BaseModel):
    id: str
    name: str
    status: Literal["draft", "scheduled", "sending", "paused", "completed", "cancelled"]
    steps: list[dict[str, Any]]
    settings: dict[str, Any]
    created_at: str
    updated_at: str
    started_at: str | None
    finished_at: str | None
    winners: dict[str, str] = Field(
        description="Email step number -> the A/B variant the auto-winner chose (recorded "
        "once, never changed); contacts not yet sent that step get only it."
    )


class VariantProgress(BaseModel):
    queued: int
    sent: int
    delivered: int
    bounced: int
    opened: int
    clicked: int
    replied: int
    unsubscribed: int
    complained: int


class StepProgress(VariantProgress):
    step: int = Field(description="The email step's number (1 is the first email).")
    position: int = Field(description="Its index in steps.")
    waiting: int = Field(description="Contacts whose next email is this one.")
    variants: dict[str, VariantProgress]


class Progress(BaseModel):
    enrolled: int
    active: int
    finished: int = Field(description="Enrolments that will send nothing more (stopped too).")
    stopped: int = Field(description="Stopped by a reply, bounce, unsubscribe or complaint.")
    steps: list[StepProgress]


class CampaignDetail(CampaignReply):
    progress: Progress


class CampaignPage(BaseModel):
    items: list[CampaignReply]
    next_token: str | None


class EnrolReply(BaseModel):
    enrolled: int
    already_enrolled: int
    skipped_suppressed: int
    skipped_inactive: int


class EnrolmentReply(BaseModel):
    id: str
    contact_id: str
    status: Literal["active", "finished", "stopped"]
    step: int = Field(description="The last email step sent (0: none yet).")
    position: int = Field(description="Index in steps of the next step.")
    next_send_at: str | None
    mailbox_id: str | None
    variants: dict[str, str]
    stop_reason: str | None
    enrolled_at: str
    updated_at: str


class EnrolmentPage(BaseModel):
    items: list[EnrolmentReply]
    next_token: str | None
