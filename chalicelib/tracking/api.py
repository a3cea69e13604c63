"""The public tracking routes recipients hit: the open pixel, the click redirect and the
unsubscribe page with its RFC 8058 one-click POST. No API key; served on the tenant's
tracking host (``t.<domain>`` → the API's custom domain; locally the front door itself).

What they promise:
- ``/t/o/{token}`` always answers 200 with a 1×1 GIF and no-cache headers, even for a bad
  token (then nothing is recorded);
- ``/t/c/{token}`` redirects only to the URL inside a valid signed token; anything else is a
  plain 404 page, never a redirect — the destination never comes from the query string;
- each open or click puts one event on Kinesis (user agent, truncated IP, method, the
  human/machine verdict); a click also notes itself in the message's recent clicks (one
  quick UpdateItem); a Kinesis or clicks-table failure is logged and counted and the pixel
  or redirect is served anyway;
- ``POST /u/{token}`` (one-click) suppresses the recipient for the tenant at once, works
  without cookies, and is idempotent.
"""

from __future__ import annotations

import base64
import html
from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply
from chalicelib.http.views import Call, raw_body

if TYPE_CHECKING:
    from chalicelib.sending import TokenClaims
    from chalicelib.tracking import service, wiring
    from chalicelib.tracking.service import Visitor
else:
    service = lazy.module("chalicelib.tracking.service")
    wiring = lazy.module("chalicelib.tracking.wiring")


bp = Blueprint(__name__)
bp.pm_prefix = ""  # type: ignore[attr-defined]
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_CACHE = {
    "Cache-Control": "no-store, no-cache, must-revalidate, private, max-age=0",
    "Pragma": "no-cache",
    "Expires": "0",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
_HTML = {"Content-Type": "text/html; charset=utf-8", **NO_CACHE}


def _claims(token: str, kind: str) -> TokenClaims | None:
    return service.claims_of(wiring.ports(), token, kind)


def _visitor(call: Call) -> Visitor:
    request = call.raw
    identity = (request.context or {}).get("identity", {}) if request is not None else {}
    return service.Visitor(
        method=request.method if request is not None else "GET",
        user_agent=str(call.headers.get("user-agent") or ""),
        ip=str(identity.get("sourceIp") or ""),
    )


@route(
    bp,
    "/t/o/{token}",
    "GET",
    auth="public",
    tag="tracking",
    errors=(),
    summary="Open pixel: always a 1x1 GIF; a valid token records one open event.",
)
def open_pixel(call: Call, token: str) -> Reply:
    _accept_anything(call)
    claims = _claims(token, "open")
    if claims is not None:
        service.record(wiring.ports(), claims, _visitor(call), "message.opened")
    return Reply(PIXEL, 200, headers={"Content-Type": "image/gif", **NO_CACHE})


def _accept_anything(call: Call) -> None:
    """Chalice (like API Gateway REST) only returns a binary body to a request whose Accept
    header names it; mail clients often send none. The pixel must answer every client, so
    the request is treated as accepting anything. (The deployed tracking API needs
    ``*/*`` in its binary media types for the same reason.)"""
    from chalice.app import CaseInsensitiveMapping

    request = call.raw
    if request is not None:
        request.headers = CaseInsensitiveMapping({**dict(request.headers), "accept": "*/*"})


def _not_found() -> Reply:
    page = "<!doctype html><title>Not found</title><p>This link is not valid.</p>"
    return Reply(page, 404, headers=_HTML)


@route(
    bp,
    "/t/c/{token}",
    "GET",
    auth="public",
    tag="tracking",
    errors=(404,),
    summary="Click redirect to the URL signed inside the token; a bad token is a 404 page.",
)
def click(call: Call, token: str) -> Reply:
    claims = _claims(token, "click")
    if claims is None or not claims.url:
        return _not_found()
    service.record(
        wiring.ports(),
        claims,
        _visitor(call),
        "message.clicked",
        link_index=claims.link_index,
        url=claims.url,
    )
    return Reply("", 302, headers={"Location": claims.url, **NO_CACHE})


@route(
    bp,
    "/u/{token}",
    "GET",
    auth="public",
    tag="tracking",
    errors=(404,),
    summary="Unsubscribe page: one button that confirms (the GET itself changes nothing).",
)
def unsubscribe_page(call: Call, token: str) -> Reply:
    if _claims(token, "unsubscribe") is None:
        return _not_found()
    action = html.escape(f"/u/{token}", quote=True)
    page = (
        "<!doctype html><meta name=viewport content='width=device-width'>"
        "<title>Unsubscribe</title><p>Stop receiving these emails?</p>"
        f"<form method=post action='{action}'>"
        "<input type=hidden name=List-Unsubscribe value=One-Click>"
        "<button type=submit>Unsubscribe</button></form>"
    )
    return Reply(page, 200, headers=_HTML)


@route(
    bp,
    "/u/{token}",
    "POST",
    auth="public",
    tag="tracking",
    errors=(404,),
    summary="RFC 8058 one-click unsubscribe: suppresses the recipient for the tenant at once.",
)
def unsubscribe(call: Call, token: str) -> Reply:
    claims = _claims(token, "unsubscribe")
    if claims is None:
        return _not_found()
    service.unsubscribe(wiring.ports(), claims, one_click=_one_click(call))
    page = (
        "<!doctype html><title>Unsubscribed</title><p>You will not receive these emails again.</p>"
    )
    return Reply(page, 200, headers=_HTML)


def _one_click(call: Call) -> bool:
    try:
        return b"List-Unsubscribe=One-Click" in raw_body(call.raw)
    except Exception:  # noqa: BLE001 - an unreadable body is still an unsubscribe
        return False
