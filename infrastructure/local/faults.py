"""Faults the running local platform can be told to show (never deployed), so a test or an
operator can watch the system ride them out. Each is switched on with ``set(name, True,
**params)`` (``POST /local/faults {"name", "on", ...params}``) and off with ``on: false``:

- ``events_stream``: every write to the Kinesis events stream fails, as an outage of the
  stream would. It wraps the stream publisher the outbox relay uses (the only writer).
- ``sqs_duplicate`` (``rate`` 0–1, ``seed``): an SQS pump hands a received batch to a second
  invocation of its handler at the same time, as SQS's at-least-once delivery may (two
  pollers receiving the same messages); the pump acks by the first invocation's answer.
- ``worker_kill`` (``times``, ``after_sends``): the next ``times`` send-worker invocations
  each die after ``after_sends`` SMTP transactions returned: from that moment no send of the
  invocation returns, nothing more is recorded and the pump gets no answer, so nothing is
  acked (a Lambda timeout or crash); SQS redelivers after the visibility timeout.
- ``aws_slow`` (``seconds``, ``delay``): every request to the AWS emulator waits ``delay``
  seconds first, for the next ``seconds`` seconds (the fault then ends by itself).

``injected`` in ``state()`` counts each fault's effects: writes refused, batches delivered
twice, invocations killed, requests slowed. Nothing here is imported by deployed code.
"""

from __future__ import annotations

import contextvars
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

KNOWN = ("events_stream", "sqs_duplicate", "worker_kill", "aws_slow")
_PARAMS = {
    "events_stream": {},
    "sqs_duplicate": {"rate": 0.2, "seed": 0},
    "worker_kill": {"times": 1, "after_sends": 3},
    "aws_slow": {"seconds": 5.0, "delay": 0.2},
}
KILLED_HANDLERS = ("functions.send_worker.handler",)


class StreamOutage(ConnectionError):
    """What the events stream answers while the fault is on."""


class WorkerKilled(BaseException):
    """The invocation died (a BaseException: no ``except Exception`` on the way catches it)."""


class InvocationCrashed(RuntimeError):
    """What the pump sees of a killed invocation: no answer at all."""


@dataclass
class _Doom:
    """One doomed invocation: it dies once ``after_sends`` SMTP transactions returned."""

    after_sends: int
    returned: int = 0
    dead: bool = False


_doom: contextvars.ContextVar[_Doom | None] = contextvars.ContextVar("local_doom", default=None)


class Faults:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._on: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()
        self._rng = random.Random(0)
        self._slow_until = 0.0
        self.injected = {name: 0 for name in KNOWN}

    @property
    def refused(self) -> int:
        return self.injected["events_stream"]

    def set(self, name: str, on: bool, **params: Any) -> None:
        """Switch ``name`` on (with its parameters, defaults for those not given) or off."""
        if name not in KNOWN:
            raise KeyError(name)
        unknown = set(params) - set(_PARAMS[name])
        if unknown:
            raise KeyError(sorted(unknown)[0])
        values = {k: float(params.get(k, v)) for k, v in _PARAMS[name].items()}
        with self._lock:
            if not on:
                self._on.pop(name, None)
                return
            self._on[name] = values
            if name == "sqs_duplicate":
                self._rng = random.Random(int(values["seed"]))
            if name == "aws_slow":
                self._slow_until = self._clock() + values["seconds"]

    def is_on(self, name: str) -> bool:
        if name == "aws_slow" and name in self._on and self._clock() >= self._slow_until:
            with self._lock:
                self._on.pop(name, None)
        return name in self._on

    def state(self) -> dict[str, Any]:
        on = [n for n in KNOWN if self.is_on(n)]
        return {
            "on": on,
            "params": {n: self._on.get(n, {}) for n in on},
            "known": list(KNOWN),
            "refused": self.refused,
            "injected": dict(self.injected),
        }

    def _count(self, name: str) -> None:
        with self._lock:
            self.injected[name] += 1

    # --- events_stream -------------------------------------------------------------------

    def refuse_if_on(self, name: str) -> None:
        if self.is_on(name):
            self._count(name)
            raise StreamOutage(f"local fault {name!r} is on")

    # --- sqs_duplicate ---------------------------------------------------------------------

    def duplicate_batch(self) -> bool:
        """Whether the batch just received is delivered twice."""
        with self._lock:
            params = self._on.get("sqs_duplicate")
            if params is None or self._rng.random() >= params["rate"]:
                return False
            self.injected["sqs_duplicate"] += 1
            return True

    # --- worker_kill -----------------------------------------------------------------------

    def invoke(self, handler: str, call: Any) -> Any:
        """Run one invocation (``call()``), doomed if the kill fault has one left for it."""
        doom = self._take_doom(handler)
        if doom is None:
            return call()
        token = _doom.set(doom)
        try:
            return call()
        except WorkerKilled:
            raise InvocationCrashed("local fault worker_kill: the invocation died") from None
        finally:
            _doom.reset(token)

    def _take_doom(self, handler: str) -> _Doom | None:
        with self._lock:
            params = self._on.get("worker_kill")
            if params is None or handler not in KILLED_HANDLERS:
                return None
            params["times"] -= 1
            if params["times"] <= 0:
                self._on.pop("worker_kill")
            self.injected["worker_kill"] += 1
            return _Doom(int(params["after_sends"]))

    # --- aws_slow --------------------------------------------------------------------------

    def aws_delay(self) -> float:
        """Seconds the emulator waits before serving the request now arriving."""
        if not self.is_on("aws_slow"):
            return 0.0
        self._count("aws_slow")
        return self._on.get("aws_slow", {}).get("delay", 0.0)

    # --- installation ----------------------------------------------------------------------

    def install(self) -> None:
        """Put the switchable publisher in front of the real stream publisher, and the
        killable senders in the send worker's ports."""
        from chalicelib.core import wiring

        wiring.override("aws.events", _Switchable(self))
        wiring.override("sending.send_ports", _KillableSendPorts())


class _Switchable:
    def __init__(self, faults: Faults) -> None:
        self._faults = faults
        self._real: Any = None

    def _inner(self) -> Any:
        if self._real is None:
            from chalicelib.aws import clients
            from chalicelib.aws.kinesis import KinesisEventPublisher
            from chalicelib.core.settings import settings

            self._real = KinesisEventPublisher(clients.kinesis(), settings().events_stream)
        return self._real

    def publish(self, event: dict[str, Any]) -> None:
        self._faults.refuse_if_on("events_stream")
        self._inner().publish(event)

    def publish_many(self, events: list[dict[str, Any]]) -> None:
        self._faults.refuse_if_on("events_stream")
        self._inner().publish_many(events)


class _KillableSendPorts:
    """The send worker's real ports (built on first use, once the settings are final), with
    every mailbox sender wrapped so a doomed invocation dies where the fault says."""

    def __init__(self) -> None:
        self._real: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        with self._lock:
            if self._real is None:
                from chalicelib.sending.wiring import send_ports

                real = send_ports._build()
                factory = real.senders
                self._real = replace(real, senders=lambda box: _KillableSender(factory(box)))
        return getattr(self._real, name)


class _KillableSender:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    async def send(self, envelope: Any, claim: Any = None) -> Any:
        doom = _doom.get()
        if doom is not None and doom.dead:
            raise WorkerKilled
        result = await self._inner.send(envelope, claim)
        if doom is not None:
            doom.returned += 1
            if doom.dead or doom.returned >= doom.after_sends:
                doom.dead = True  # the server's answer is in hand and is never recorded
                raise WorkerKilled
        return result

    async def close(self) -> None:
        doom = _doom.get()
        if doom is not None and doom.dead:
            return  # a dead process closes nothing: its connections just drop
        await self._inner.close()
