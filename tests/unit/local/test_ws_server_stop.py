"""The local WebSocket server stops whenever it is told to: a platform told to stop during
its start-up (SIGTERM) may stop a server that never started serving, and websockets'
``shutdown()`` would then wait for ``serve_forever`` forever."""

from __future__ import annotations

import socket
import threading

from infrastructure.local.ws_server import LocalWebsocketServer


def _stopped_within(server: LocalWebsocketServer, seconds: float) -> bool:
    stopping = threading.Thread(target=server.stop, daemon=True)
    stopping.start()
    stopping.join(timeout=seconds)  # a bound against hanging, not a speed check
    return not stopping.is_alive()


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_server_never_started_stops_and_frees_its_port():
    server = LocalWebsocketServer("127.0.0.1", 0)
    assert _stopped_within(server, 30)
    assert not _listening(server.port)


def test_a_started_server_stops_and_frees_its_port():
    server = LocalWebsocketServer("127.0.0.1", 0)
    server.start()
    assert _listening(server.port)
    assert _stopped_within(server, 30)
    assert not _listening(server.port)
