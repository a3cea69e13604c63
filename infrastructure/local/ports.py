"""The local platform's ports: which it listens on, and the check that each asked one is free
before anything starts (a taken port is a ``PortUnavailable`` naming it, not a hang)."""

from __future__ import annotations

import contextlib
import errno
import socket
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass
class Ports:
    api: int = 8000
    aws: int = 4566
    smtp: int = 2525
    dns: int = 5353
    ws: int = 8001  # the WebSocket server (live updates)


PORT_NAMES = {
    "api": "API",
    "aws": "AWS emulator",
    "smtp": "SMTP server",
    "dns": "DNS server",
    "ws": "WebSocket server",
}
_BIND_ERRORS = (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL)


class PortUnavailable(OSError):
    """A port of ``Ports`` (``which``: its field) that cannot be listened on."""

    def __init__(self, which: str, host: str, port: int, reason: str) -> None:
        super().__init__(f"{PORT_NAMES[which]} port {host}:{port} is not available: {reason}")
        self.which, self.host, self.port, self.reason = which, host, port, reason


def check_ports_free(ports: Ports, host: str) -> None:
    """Bind each asked port (TCP; UDP too for DNS) as its server will, and let it go."""
    for which, port in ports.__dict__.items():
        kinds = [socket.SOCK_STREAM] + ([socket.SOCK_DGRAM] if which == "dns" else [])
        for kind in kinds if port else []:
            with claiming(which, host, port), socket.socket(socket.AF_INET, kind) as probe:
                if kind == socket.SOCK_STREAM:  # as the servers do: TIME_WAIT is no owner
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((host, port))


@contextlib.contextmanager
def claiming(which: str, host: str, port: int) -> Iterator[None]:
    try:
        yield
    except OSError as error:
        if error.errno not in _BIND_ERRORS:
            raise
        raise PortUnavailable(which, host, port, error.strerror or str(error)) from error
