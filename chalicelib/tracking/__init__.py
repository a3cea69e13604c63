"""Tracking: the public routes recipients hit (open pixel, click redirect, unsubscribe page
and one-click POST) and the human/machine verdict of every open and click."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.tracking.rules import Hit, Verdict, classify_hit, truncate_ip
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(
        __name__,
        {
            "Hit": "chalicelib.tracking.rules",
            "Verdict": "chalicelib.tracking.rules",
            "classify_hit": "chalicelib.tracking.rules",
            "truncate_ip": "chalicelib.tracking.rules",
        },
    )

__all__ = ["Hit", "Verdict", "classify_hit", "truncate_ip"]
