"""What a local "VPS" reads of the cloud-init document it was ordered with: the MailU
environment file our ``ConfigureServer`` writes (``write_files`` entry ``/mailu/mailu.env``,
``KEY=VALUE`` lines: ``API_TOKEN``, ``DOMAIN``, ``HOSTNAMES``...). A real server runs the
whole document; the local one only needs the token its admin API accepts and its names."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import yaml

MAILU_ENV_PATH = "/mailu/mailu.env"


def mailu_env(user_data: str) -> dict[str, str]:
    """The MailU settings in ``user_data`` ({} when it is no cloud-config or has none)."""
    if not user_data.lstrip().startswith("#cloud-config"):
        return {}
    try:
        document = yaml.safe_load(user_data)
    except yaml.YAMLError:
        return {}
    files = document.get("write_files") if isinstance(document, dict) else None
    for entry in files if isinstance(files, list) else []:
        if isinstance(entry, dict) and entry.get("path") == MAILU_ENV_PATH:
            return parse_env(_content(entry))
    return {}


def _content(entry: dict[str, Any]) -> str:
    content = entry.get("content")
    if not isinstance(content, str):
        return ""
    if str(entry.get("encoding", "")).lower() in ("b64", "base64"):
        try:
            return base64.b64decode(content).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            return ""
    return content


def parse_env(text: str) -> dict[str, str]:
    """``KEY=VALUE`` lines (``#`` comments and blank lines skipped, quotes stripped)."""
    env: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            env[key.strip()] = value.strip().strip("'\"")
    return env
