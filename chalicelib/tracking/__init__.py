"""Tracking: the public routes recipients hit (open pixel, click redirect, unsubscribe page
and one-click POST) and the human/machine verdict of every open and click."""

from chalicelib.tracking.rules import Hit, Verdict, classify_hit, truncate_ip

__all__ = ["Hit", "Verdict", "classify_hit", "truncate_ip"]
