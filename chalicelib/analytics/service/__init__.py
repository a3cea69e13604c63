"""Analytics use cases: counting events (``counting``) and the dashboard reads
(``dashboard``)."""

from chalicelib.analytics.service.counting import Sources, count_batch, count_one, enrich

__all__ = ["Sources", "count_batch", "count_one", "enrich"]
