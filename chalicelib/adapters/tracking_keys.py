"""Tracking-token keys from their secret: JSON ``{"current": id, "keys": {id: secret}}`` so
keys rotate without breaking old emails, or one plain random string (the template's
generated secret), which becomes key ``k1``."""

from __future__ import annotations

import json

from chalicelib.domain.tracking_tokens import TokenKeys


def load_keys(value: str) -> TokenKeys:
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("keys"), dict):
        keys = {str(k): str(v).encode("utf-8") for k, v in parsed["keys"].items()}
        return TokenKeys(keys, str(parsed["current"]))
    return TokenKeys({"k1": value.encode("utf-8")}, "k1")
