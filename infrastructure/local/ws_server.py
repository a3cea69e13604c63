"""The local WebSocket server (``Ports.ws``, 8001 by default): API Gateway's WebSocket API on
loopback. Each connection gets an id; its open, every text message and its close are handed
to the app's own WebSocket handlers (``app.ws_connect`` / ``ws_message`` / ``ws_disconnect``,
found through Chalice's ``websocket_handlers``) as API Gateway's event shape, in-process,
as the pumps call the workers.

What the handlers send comes back the deployed way: through API Gateway's Management API,
which the front door emulates at ``/local/ws/@connections/{id}`` (``management_route``:
POST sends, DELETE closes with code 4401, an unknown id is 410 GoneException), so the boto3
pusher is the one used locally too. A connection still unauthenticated 10 s after it opened
is closed by the handlers' own deadline check (``realtime.enforce_auth_deadline``).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from typing import Any

from chalicelib.realtime.rules import AUTH_DEADLINE_SECONDS, CLOSE_UNAUTHENTICATED

log = logging.getLogger("penguinmails.local.ws")
MANAGEMENT_PREFIXES = ("/local/ws/@connections/", "/local/ws/%40connections/")
_EVENT_TYPES = {"$connect": "CONNECT", "$default": "MESSAGE", "$disconnect": "DISCONNECT"}


class LocalWebsocketServer:
    def __init__(
        self, host: str, port: int, auth_deadline: float = float(AUTH_DEADLINE_SECONDS)
    ) -> None:
        from websockets.sync.server import serve

        self.host = host
        self.auth_deadline = auth_deadline
        self.live: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._server = serve(self._serve, host, port, compression=None)
        self.port = int(self._server.socket.getsockname()[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="ws", daemon=True)
        self.stats = {"connections": 0, "messages_in": 0, "messages_out": 0}

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if not self._thread.is_alive():
            # never served (a stop during start-up): shutdown() waits for serve_forever to
            # see the socket closed, which it never would
            self._server.socket.close()
            return
        self._server.shutdown()
        self._thread.join(timeout=5)

    def status(self) -> dict[str, Any]:
        alive = self._thread.is_alive()
        return {
            "status": "ok" if alive else "stopped",
            "host": self.host,
            "port": self.port,
            "url": self.url,
            "open": len(self.live),
            **self.stats,
        }

    # --- the Management API's side: what the handlers send --------------------------------

    def post(self, connection_id: str, data: bytes) -> bool:
        """Send ``data`` (a text frame) to a live connection; False: it is gone."""
        connection = self.live.get(connection_id)
        if connection is None:
            return False
        try:
            connection.send(data.decode("utf-8", errors="replace"))
        except Exception:  # noqa: BLE001 - closed meanwhile: gone, as API Gateway says
            return False
        self.stats["messages_out"] += 1
        return True

    def close(self, connection_id: str, code: int = CLOSE_UNAUTHENTICATED) -> bool:
        connection = self.live.get(connection_id)
        if connection is None:
            return False
        threading.Thread(  # not on the handler's thread: close waits for the closing handshake
            target=connection.close, args=(code, "unauthenticated"), daemon=True
        ).start()
        return True

    # --- the client's side: what the handlers receive -------------------------------------

    def _serve(self, connection: Any) -> None:
        connection_id = secrets.token_urlsafe(12)
        self.stats["connections"] += 1
        with self._lock:
            self.live[connection_id] = connection
        deadline = threading.Timer(self.auth_deadline, _enforce_deadline, (connection_id,))
        deadline.daemon = True
        try:
            self._dispatch("$connect", connection_id, connection, None)
            deadline.start()
            for message in connection:
                self.stats["messages_in"] += 1
                body = message if isinstance(message, str) else message.decode("utf-8", "replace")
                self._dispatch("$default", connection_id, connection, body)
        except Exception:  # noqa: BLE001 - a dropped connection ends like a closed one
            log.debug("websocket %s ended", connection_id, exc_info=True)
        finally:
            deadline.cancel()
            with self._lock:
                self.live.pop(connection_id, None)
            self._dispatch("$disconnect", connection_id, connection, None)

    def _dispatch(self, route: str, connection_id: str, connection: Any, body: str | None) -> None:
        event = websocket_event(route, connection_id, self.host, self.port, body, _peer(connection))
        try:
            _handler(route)(event, None)
        except Exception:  # noqa: BLE001 - API Gateway answers 500 and keeps the connection
            log.exception("websocket handler %s failed", route)


def websocket_event(
    route: str, connection_id: str, host: str, port: int, body: str | None, source_ip: str = ""
) -> dict[str, Any]:
    """API Gateway's WebSocket proxy event for ``route`` on ``connection_id``."""
    context = {
        "routeKey": route,
        "eventType": _EVENT_TYPES.get(route, "MESSAGE"),
        "connectionId": connection_id,
        "apiId": "local",
        "stage": "local",
        "domainName": f"{host}:{port}",
        "requestId": str(uuid.uuid4()),
        "requestTimeEpoch": int(time.time() * 1000),
        "messageDirection": "IN",
        "identity": {"sourceIp": source_ip},
    }
    event: dict[str, Any] = {"requestContext": context, "isBase64Encoded": False}
    if body is not None:
        event["body"] = body
    return event


def _peer(connection: Any) -> str:
    address = getattr(connection, "remote_address", None)
    return str(address[0]) if address else ""


def _handler(route: str) -> Any:
    """The app's handler for a route key, as Lambda would call it (``app.ws_connect``)."""
    from app import app
    from infrastructure.local.lambda_runtime import resolve

    return resolve(app.websocket_handlers[route].handler_string)


def _enforce_deadline(connection_id: str) -> None:
    from chalicelib import realtime

    try:
        realtime.enforce_auth_deadline(connection_id)
    except Exception:  # noqa: BLE001 - a timer thread: log, never raise
        log.exception("websocket deadline check failed")


def management_route(
    server: LocalWebsocketServer | None, method: str, path: str, body: bytes
) -> tuple[int, dict[str, Any]] | None:
    """API Gateway's Management API on the front door (None: not one of its paths)."""
    prefix = next((p for p in MANAGEMENT_PREFIXES if path.startswith(p)), None)
    if prefix is None or server is None:
        return None
    connection_id = path[len(prefix) :].split("?")[0].rstrip("/")
    if method == "POST":
        done = server.post(connection_id, body)
    elif method == "DELETE":
        done = server.close(connection_id)
    elif method == "GET":
        done = connection_id in server.live
    else:
        return 405, {"message": f"{method} is not supported"}
    if not done:
        return 410, {"__type": "GoneException", "message": f"{connection_id} is gone"}
    return 200, {"connectionId": connection_id} if method == "GET" else {}
