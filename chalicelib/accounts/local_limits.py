"""The ``LocalLimits`` of one container (one Lambda container, or the local platform's
process): in memory, thread-safe, bounded, never shared. What it forgets costs at most a
counter write (a block) or lets an address try a few more keys (failures), so it may drop
its oldest entries when full.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from typing import TypeVar

from chalicelib.accounts.rules.limits import FAILURE_WINDOW_SECONDS, FAILURES_PER_IP

MAX_ENTRIES = 10_000  # per map: a few hundred KB at most
V = TypeVar("V")


class MemoryLimits:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._max = max_entries
        self._blocks: OrderedDict[str, int] = OrderedDict()
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def blocked_until(self, name: str) -> int:
        with self._lock:
            return self._blocks.get(name, 0)

    def block(self, name: str, until: int) -> None:
        with self._lock:
            self._blocks[name] = max(until, self._blocks.get(name, 0))
            self._blocks.move_to_end(name)
            _trim(self._blocks, self._max)

    def failures(self, source_ip: str) -> list[float]:
        with self._lock:
            return list(self._failures.get(source_ip, ()))

    def charge_failure(self, source_ip: str, now: float) -> None:
        with self._lock:
            recent = self._failures.pop(source_ip, None) or deque(maxlen=FAILURES_PER_IP)
            while recent and now - recent[0] >= FAILURE_WINDOW_SECONDS:
                recent.popleft()
            recent.append(now)
            self._failures[source_ip] = recent  # re-inserted last: the most recently seen
            _trim(self._failures, self._max)


def _trim(entries: OrderedDict[str, V], most: int) -> None:
    while len(entries) > most:
        entries.popitem(last=False)
