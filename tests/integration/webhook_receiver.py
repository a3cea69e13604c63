"""A webhook receiver on loopback for the integration tier, and the README's recipe for
checking a ``PenguinMails-Signature``, written here apart from the platform's own code."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """An HTTP endpoint on 127.0.0.1 keeping every POST it gets, answering 200."""

    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.got.append(
                        {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                    )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/penguinmails"

    def events(self) -> list[tuple[dict[str, Any], dict[str, Any], bytes]]:
        with self.lock:
            return [(json.loads(g["body"]), g["headers"], g["body"]) for g in self.got]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def verified(header: str, body: bytes, secret: str) -> bool:
    """The README's recipe: ``t=<unix>,v1=<hex>``, HMAC-SHA256 over ``<t>.<body>``."""
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [v for k, v in parts if k == "t"]
    if len(stamps) != 1 or abs(time.time() - int(stamps[0])) > 300:
        return False
    mac = hmac.new(secret.encode(), stamps[0].encode() + b"." + body, hashlib.sha256)
    return any(hmac.compare_digest(mac.hexdigest(), v) for k, v in parts if k == "v1")
