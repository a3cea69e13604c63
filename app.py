"""The Chalice app: wiring only. Blueprints, the HTTP middleware, nothing heavy at import.

Every route is declared through ``chalicelib.api.routing.route``; authentication, the
error envelope, audit, logs and metrics live in ``chalicelib.api.pipeline``.
"""

from chalice import Chalice

from chalicelib.api import (
    api_keys,
    audit,
    domains,
    health,
    inbound,
    mailboxes,
    messages,
    openapi,
    suppressions,
    templates,
    tenants,
    tracking,
)
from chalicelib.api.pipeline import http_middleware

app = Chalice(app_name="penguinmails", configure_logs=False)  # Powertools logs instead
app.register_middleware(http_middleware, "http")
for module in (
    tenants,
    api_keys,
    audit,
    domains,
    mailboxes,
    templates,
    messages,
    suppressions,
    inbound,
    health,
    openapi,
):
    app.register_blueprint(module.bp, url_prefix="/v1")
app.register_blueprint(tracking.bp)  # /t/… and /u/… on the tracking host, outside /v1
