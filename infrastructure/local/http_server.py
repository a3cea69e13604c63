"""The local HTTP front door on :8000: the Chalice app as API Gateway would call it, plus
the local-only ``/local/`` routes (never part of ``app.py``, so never deployed), and the
dashboard's static files at ``/``, ``/config.json`` and ``/app/...`` (``static_site``).

``/local/smtp/messages``   GET: what the local SMTP server received (envelope + raw MIME);
                           DELETE: forget them. Query: ``to``, ``limit``.
``/local/smtp/users``      GET: the SMTP users; POST ``{email, password}`` adds one.
``/local/smtp/inbox``      GET ``?user=``: what landed in a local mailbox (deliveries and the
                           simulator's DSNs, ARF reports, auto-replies, replies), whatever
                           its folder, positions never changing; no user: the count per
                           mailbox. With ``folder``, and ``/local/smtp/inbox/flags|move``,
                           ``/local/smtp/placement``, ``/local/simulator/bounces``: see
                           ``mail_routes``.
``/local/platform``        GET: ports, stack outputs, pumps and scheduler state.
``/local/ws/@connections/{id}`` POST: send the body to a WebSocket connection; DELETE: close
                           it (4401); 410 GoneException for one that is not open. API
                           Gateway's Management API, so the deployed pusher works locally
                           (``ws_server``).
``/local/faults``          GET: the faults switched on and what each injected; POST
                           ``{name, on, ...params}`` switches one (``events_stream``,
                           ``sqs_duplicate``, ``worker_kill``, ``aws_slow``: see ``faults``).
``/local/limits``          GET: the API rate limits' scale; POST ``{api_rate_scale}`` sets it
                           until the platform stops (1: the plans' numbers, the default;
                           0.1: a tenth of them, for tests that must exceed a limit whatever
                           the machine's speed).
``/local/analytics/flush`` POST: the local Firehose reads the events stream and writes
                           every buffer as Parquet now (``{files, records}``), so the OLAP
                           tier answers at once instead of after its buffering interval.
``/local/schedules/run``   POST ``{schedule, detail?}``: fires a template schedule (its
                           logical id, e.g. ``HealthMonitorSchedule``) once now, held or not, with
                           ``detail`` as the event's detail; answers its run state.
``/local/clock``           GET: the time the app and its workers read (``core.clock``) and
                           how far it is ahead of the system clock (``now``,
                           ``offset_seconds``); POST ``{advance_seconds}`` (> 0, at most 400
                           days) moves it forward until the platform stops, so a campaign's
                           days pass in minutes. It never goes back. Only what reads the time
                           through ``core.clock`` moves: SQS delays and visibility timeouts,
                           the scheduler's periods, id timestamps and TTLs keep real time.

Each request is served as API Gateway + Lambda would serve it: alone. Chalice keeps the
request being served on the app object (``app.current_request``, ``app.lambda_context``,
which every Blueprint reads), right for Lambda, where a container runs one request at a
time, and wrong for this threaded server, where a request would read the body and context of
whichever request a concurrent thread set last. ``isolate_requests`` gives the app, in this
process only, one request slot per thread (the server runs each connection's requests on
its own thread, one at a time), so concurrency stays and nothing is shared. It is simpler
than a pool of app objects, which would mean importing ``app.py`` (its Blueprints and their
module state) once per slot. The deployed app never imports this module and keeps Chalice's
plain attributes. Chalice's own
``create_local_server`` does the same for ``current_request`` alone; ours covers the Lambda
context too. Per-request state of our own code is already per thread: the request context
(a ``ContextVar``), the log keys and the metrics (``chalicelib.aws.powertools``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chalice.config import Config
from chalice.local import ChaliceRequestHandler, ForbiddenError, LocalDevServer

from infrastructure.local.mail_routes import MailRoutes
from infrastructure.local.static_site import StaticSite
from infrastructure.local.ws_server import management_route

MAX_LOCAL_BODY = 64 * 1024
_PER_REQUEST = ("current_request", "lambda_context")


class _RequestPerThread:
    """Chalice's per-request attributes, kept per thread instead of on the shared object."""

    _slots: threading.local

    @property
    def current_request(self) -> Any:
        return getattr(self._slots, "current_request", None)

    @current_request.setter
    def current_request(self, value: Any) -> None:
        self._slots.current_request = value

    @property
    def lambda_context(self) -> Any:
        return getattr(self._slots, "lambda_context", None)

    @lambda_context.setter
    def lambda_context(self, value: Any) -> None:
        self._slots.lambda_context = value


def isolate_requests(app: Any) -> Any:
    """Make ``app``'s current request and Lambda context per thread (idempotent)."""
    if not isinstance(app, _RequestPerThread):
        cls = type(app)
        app.__class__ = type(f"Local{cls.__name__}", (_RequestPerThread, cls), {})
        for name in _PER_REQUEST:
            app.__dict__.pop(name, None)
        app._slots = threading.local()
    return app


MAX_ADVANCE_SECONDS = 400 * 86_400


ExtraRoute = Callable[[bytes, dict[str, str]], tuple[int, dict[str, Any]]]


class LocalRoutes:
    def __init__(
        self,
        smtp: Any,
        describe: Callable[[], dict[str, Any]],
        faults: Any = None,
        clock: Any = None,
        flush_analytics: Callable[[], dict[str, int]] | None = None,
        run_schedule: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
        extra: dict[tuple[str, str], ExtraRoute] | None = None,
        websockets: Any = None,
    ) -> None:
        self.smtp = smtp
        self.mail = MailRoutes(smtp)
        # more /local/ routes: the mailboxes' state and the simulator's, provisioning's
        self.extra = {**self.mail.routes(), **(extra or {})}
        self.describe = describe
        self.faults = faults
        self.clock = clock  # an ``OffsetClock``: the platform installs it as ``core.clock``
        self.flush_analytics = flush_analytics
        self.run_schedule = run_schedule
        self.websockets = websockets  # the local WebSocket server (``ws_server``)

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        route = {
            ("GET", "/local/smtp/messages"): lambda: self._messages(query),
            ("DELETE", "/local/smtp/messages"): self._clear,
            ("GET", "/local/smtp/users"): lambda: (200, {"items": self.smtp.users()}),
            ("GET", "/local/smtp/inbox"): lambda: self._inbox(query),
            ("POST", "/local/smtp/users"): lambda: self._add_user(body),
            ("GET", "/local/platform"): lambda: (200, self.describe()),
            ("GET", "/local/faults"): self._faults,
            ("POST", "/local/faults"): lambda: self._switch_fault(body),
            ("GET", "/local/limits"): lambda: (200, {"api_rate_scale": _limit_ports().scale}),
            ("POST", "/local/limits"): lambda: self._scale_limits(body),
            ("GET", "/local/clock"): self._clock,
            ("POST", "/local/clock"): lambda: self._advance_clock(body),
            ("POST", "/local/analytics/flush"): self._flush_analytics,
            ("POST", "/local/schedules/run"): lambda: self._run_schedule(body),
        }.get((method, parts.path.rstrip("/")))
        more = self.extra.get((method, parts.path.rstrip("/")))
        managed = management_route(self.websockets, method, parts.path, body)
        if managed is not None:
            return managed
        if route is None and more is not None:
            return more(body, query)
        if route is None:
            return 404, _error("not_found", f"no local route {method} {parts.path}")
        return route()

    def _messages(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        items = self.smtp.messages()
        if query.get("to"):
            wanted = query["to"].lower()
            items = [m for m in items if wanted in (r.lower() for r in m["rcpt_tos"])]
        limit = int(query["limit"]) if query.get("limit", "").isdigit() else 100
        return 200, {"items": items[-limit:][::-1], "count": len(items)}

    def _inbox(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if "folder" in query:
            return self.mail.folder_listing(query)
        if not query.get("user"):
            return 200, {"inboxes": self.smtp.inboxes()}
        return 200, {"items": self.smtp.inbox(query["user"])}

    def _faults(self) -> tuple[int, dict[str, Any]]:
        if self.faults is None:
            return 404, _error("not_found", "this platform has no fault switches")
        return 200, self.faults.state()

    def _switch_fault(self, body: bytes) -> tuple[int, dict[str, Any]]:
        if self.faults is None:
            return 404, _error("not_found", "this platform has no fault switches")
        try:
            data = json.loads(body or b"{}")
            params = {k: v for k, v in data.items() if k not in ("name", "on")}
            self.faults.set(str(data["name"]), bool(data["on"]), **params)
        except (ValueError, KeyError, TypeError, AttributeError):
            known = ", ".join(self.faults.state()["known"])
            return 400, _error(
                "bad_request",
                f"body must be JSON {{name, on, ...numeric params}}; names: {known}",
            )
        return 200, self.faults.state()

    def _scale_limits(self, body: bytes) -> tuple[int, dict[str, Any]]:
        try:
            scale = float(json.loads(body or b"{}")["api_rate_scale"])
        except (ValueError, KeyError, TypeError):
            return 400, _error("bad_request", "body must be JSON {api_rate_scale: number}")
        if not 0 < scale <= 1000:
            return 400, _error("validation_error", "api_rate_scale must be in (0, 1000]")
        _limit_ports().scale = scale
        return 200, {"api_rate_scale": scale}

    def _clock(self) -> tuple[int, dict[str, Any]]:
        if self.clock is None:
            return 404, _error("not_found", "this platform has no movable clock")
        return 200, clock_state(self.clock)

    def _advance_clock(self, body: bytes) -> tuple[int, dict[str, Any]]:
        if self.clock is None:
            return 404, _error("not_found", "this platform has no movable clock")
        try:
            seconds = json.loads(body or b"{}")["advance_seconds"]
        except (ValueError, KeyError, TypeError):
            return 400, _error(
                "bad_request", "body must be JSON {advance_seconds: number}", "advance_seconds"
            )
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not 0 < seconds <= MAX_ADVANCE_SECONDS
        ):
            message = f"advance_seconds must be a number in (0, {MAX_ADVANCE_SECONDS}] (400 days)"
            return 400, _error("validation_error", message, "advance_seconds")
        self.clock.advance(seconds)
        return 200, clock_state(self.clock)

    def _flush_analytics(self) -> tuple[int, dict[str, Any]]:
        if self.flush_analytics is None:
            return 404, _error("not_found", "this platform has no local Firehose")
        return 200, self.flush_analytics()

    def _run_schedule(self, body: bytes) -> tuple[int, dict[str, Any]]:
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return 400, _error("bad_request", "body must be JSON {schedule, detail?}")
        if not isinstance(data, dict) or not isinstance(data.get("schedule"), str):
            return 400, _error("validation_error", "schedule must be a schedule's logical id")
        detail = data.get("detail", {})
        if not isinstance(detail, dict):
            return 400, _error("validation_error", "detail must be a JSON object")
        if self.run_schedule is None:
            return 404, _error("not_found", "this platform has no scheduler")
        try:
            return 200, self.run_schedule(data["schedule"], detail)
        except KeyError:
            return 404, _error("not_found", f"no schedule {data['schedule']!r}")

    def _clear(self) -> tuple[int, dict[str, Any]]:
        self.smtp.clear()
        return 200, {"cleared": True}

    def _add_user(self, body: bytes) -> tuple[int, dict[str, Any]]:
        try:
            data = json.loads(body or b"{}")
            email, password = data["email"], data["password"]
        except (ValueError, KeyError, TypeError):
            return 400, _error("bad_request", "body must be JSON {email, password}")
        if (
            not isinstance(email, str)
            or "@" not in email
            or not isinstance(password, str)
            or not password
        ):
            return 400, _error("validation_error", "email and password must be non-empty strings")
        self.smtp.add_user(email, password)
        return 201, {"email": email}


def _limit_ports() -> Any:
    """The API limits' ports of this process (``accounts.limit_ports``), built on demand."""
    from chalicelib.core import wiring

    return wiring.get("accounts.limit_ports")()


def clock_state(clock: Any) -> dict[str, Any]:
    """What ``/local/clock`` (and ``/local/platform``) show of an ``OffsetClock``."""
    return {"now": clock.now_iso(), "offset_seconds": clock.offset.total_seconds()}


def _error(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    details = {"field": field} if field else {}
    return {"error": {"code": code, "message": message, "details": details}}


class _Handler(ChaliceRequestHandler):
    local_routes: LocalRoutes
    site: StaticSite = StaticSite()

    def _generic_handle(self) -> None:
        if self.site.claims(self.path):
            self._serve_static()
            return
        if not self.path.startswith("/local/"):
            super()._generic_handle()
            return
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_LOCAL_BODY:
            self._send_http_response(413, {}, json.dumps(_error("payload_too_large", "too big")))
            return
        body = self.rfile.read(length) if length else b""
        status, payload = self.local_routes.handle(self.command, self.path, body)
        self._send_http_response(
            status, {"Content-Type": "application/json"}, json.dumps(payload, default=str)
        )

    def _serve_static(self) -> None:
        """The dashboard (``static_site``): ``/``, ``/config.json`` and ``/app/...``."""
        reply = self.site.serve(self.command, self.path, self.headers.get("if-none-match"))
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def _send_error_response(self, error: Any) -> None:
        """API Gateway answers unknown paths itself; the deployed API maps that gateway
        response (MISSING_AUTHENTICATION_TOKEN) to a 404 envelope, and so do we."""
        if isinstance(error, ForbiddenError):
            body = _error("not_found", f"no route {self.command} {urlsplit(self.path).path}")
            self._send_http_response(404, {"Content-Type": "application/json"}, json.dumps(body))
            return
        super()._send_error_response(error)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def _unsupported_method(self) -> None:
        """TRACE and CONNECT never reach the app (API Gateway refuses them too)."""
        body = _error("method_not_allowed", f"{self.command} is not supported")
        self._send_http_response(405, {"Content-Type": "application/json"}, json.dumps(body))

    do_TRACE = do_CONNECT = _unsupported_method

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Any other method (QUERY, PROPFIND, …) is a 405 envelope, not the stdlib's 501."""
        if code == 501:
            self.close_connection = True
            self._unsupported_method()
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return  # the app logs each request itself, as JSON


class LocalHttpServer:
    def __init__(self, app: Any, routes: LocalRoutes, host: str, port: int) -> None:
        handler = type("BoundHandler", (_Handler,), {"local_routes": routes})
        config = Config(chalice_stage="local", config_from_disk={"app_name": "penguinmails"})
        self._server = LocalDevServer(
            isolate_requests(app), config, host, port, handler_cls=handler
        )
        self.host = host
        self.port = self._server.server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.server.serve_forever, name="http", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.server.shutdown()
        self._server.server.server_close()
