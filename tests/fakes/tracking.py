"""In-memory twin of the tracking feature's one store: the recent clicks of each message."""

from __future__ import annotations


class FakeRecentClicks:
    """Each message's latest click time per link; ``fail`` makes every call raise."""

    def __init__(self, fail: bool = False) -> None:
        self.clicks: dict[tuple[str, str], dict[int, float]] = {}
        self.fail = fail

    def record(
        self, tenant_id: str, message_id: str, link_index: int, at: float
    ) -> list[tuple[int, float]]:
        if self.fail:
            raise ConnectionError("table unavailable")
        links = self.clicks.setdefault((tenant_id, message_id), {})
        before = sorted(links.items())
        links[link_index] = at
        return before
