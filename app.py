"""The Chalice app: wiring only. One Blueprint per feature, the HTTP middleware, and the
accounts feature's authentication and audit handed to the pipeline. Nothing heavy at import.

Every route is declared through ``chalicelib.http.routing.route``; authentication, the
error envelope, audit, logs and metrics live in ``chalicelib.http``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Chalice

from chalicelib import (
    accounts,
    analytics,
    campaigns,
    contacts,
    domains,
    mailboxes,
    realtime,
    sending,
)
from chalicelib.accounts import api as accounts_api
from chalicelib.analytics import api as analytics_api
from chalicelib.analytics import report_api as reports_api
from chalicelib.campaigns import api as campaigns_api
from chalicelib.contacts import api as contacts_api
from chalicelib.core.tenancy import system_context
from chalicelib.domains import api as domains_api
from chalicelib.health import api as health_api
from chalicelib.http import api as platform_api
from chalicelib.http import health, hooks
from chalicelib.http.pipeline import http_middleware
from chalicelib.imports import api as imports_api
from chalicelib.inbound import api as inbound_api
from chalicelib.mailboxes import api as mailboxes_api
from chalicelib.operations import api as operations_api
from chalicelib.provisioning import api as provisioning_api
from chalicelib.realtime import api as realtime_api
from chalicelib.sending import api as sending_api
from chalicelib.templates import api as templates_api
from chalicelib.tracking import api as tracking_api
from chalicelib.warmup import api as warmup_api
from chalicelib.webhooks import api as webhooks_api

if TYPE_CHECKING:
    from chalice.app import WebsocketEvent

app = Chalice(app_name="penguinmails", configure_logs=False)  # Powertools logs instead
app.register_middleware(http_middleware, "http")
app.experimental_feature_flags.update(["WEBSOCKETS"])  # live updates (chalicelib.realtime)
hooks.configure(authenticate=accounts.authenticate, audit=accounts.record_audit)
health.register_check("breakers", sending.breaker_health)  # tenant SMTP servers' circuits
# a person's export and erasure (contacts) reach the features that hold their data
contacts.register_personal_data(
    "campaigns", campaigns.export_personal_data, campaigns.erase_personal_data
)
# a report filter naming a campaign, mailbox or domain must name the caller's own
analytics.register_record_owner(
    "campaign_id", lambda t, i: campaigns.campaign_exists(t.tenant_id, i)
)
analytics.register_record_owner(
    "mailbox_id", lambda t, i: mailboxes.mailbox_store().get(t, i) is not None
)
analytics.register_record_owner(
    "domain_id", lambda t, i: domains.domain_store().get(t, i) is not None
)
# the analytics routes answer 404 for ids their tenant does not have (analytics sits below these)
analytics.register_owner("campaign", lambda t, i: campaigns.campaign_exists(t, i))
analytics.register_owner(
    "mailbox", lambda t, i: mailboxes.mailbox_store().get(system_context(t), i) is not None
)
analytics.register_owner(
    "domain", lambda t, i: domains.domain_store().get(system_context(t), i) is not None
)
for feature in (
    accounts_api,
    domains_api,
    mailboxes_api,
    templates_api,
    contacts_api,
    campaigns_api,
    sending_api,
    imports_api,
    inbound_api,
    operations_api,
    provisioning_api,
    warmup_api,
    webhooks_api,
    realtime_api,
    reports_api,
    health_api,
    analytics_api,
    platform_api,
):
    app.register_blueprint(feature.bp, url_prefix="/v1")
app.register_blueprint(tracking_api.bp)  # /t/… and /u/… on the tracking host, outside /v1


# Live updates: API Gateway's WebSocket API. The local platform's WebSocket server calls these
# same handlers with the same event shape (infrastructure/local/ws_server.py).
@app.on_ws_connect()
def ws_connect(event: WebsocketEvent) -> dict[str, object]:
    return realtime.handle_ws_event(event.to_dict())


@app.on_ws_message()
def ws_message(event: WebsocketEvent) -> dict[str, object]:
    return realtime.handle_ws_event(event.to_dict())


@app.on_ws_disconnect()
def ws_disconnect(event: WebsocketEvent) -> dict[str, object]:
    return realtime.handle_ws_event(event.to_dict())
