"""The dashboard's static files as the local front door serves them (never part of ``app.py``).

``/`` and ``/index.html`` answer ``dashboard/index.html``; ``/config.json`` the deploy's
``{"api_base": ...}`` when one lies next to it (locally there is none: the dashboard then
calls its own origin); ``/app/<path>`` the files under ``dashboard/app/``. Nothing else is
claimed, so ``/v1``, ``/t/``, ``/u/`` and ``/local/`` go on to the app and the local routes.

Only regular files under the site's root with a known extension are served: a path with
``..``, a backslash, a NUL, an empty or dot segment, a symlink leading out of the root or an
unknown type answers 404. The names carry no content hash (there is no build step), so
every reply says ``no-cache`` with an ``ETag``: the browser revalidates and gets a 304.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

SITE_ROOT = Path(__file__).resolve().parents[2] / "dashboard"
ASSET_PREFIX = "/app/"
ROOT_FILES = {"/": "index.html", "/index.html": "index.html", "/config.json": "config.json"}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}
# the API is on the same origin locally; a deployed api_base and the realtime socket are not
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' https: http: wss: ws:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'"
)


@dataclass(frozen=True)
class StaticReply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class StaticSite:
    """Serves one directory as the dashboard; ``claims`` says which paths are its own."""

    def __init__(self, root: Path = SITE_ROOT) -> None:
        self.root = root.resolve()

    def claims(self, raw_path: str) -> bool:
        path = urlsplit(raw_path).path
        return path in ROOT_FILES or path.startswith(ASSET_PREFIX)

    def serve(self, method: str, raw_path: str, if_none_match: str | None = None) -> StaticReply:
        if method not in ("GET", "HEAD"):
            return _text(405, f"{method} is not supported here", {"Allow": "GET, HEAD"})
        target = self._file_for(urlsplit(raw_path).path)
        if target is None:
            return _text(404, "not found")
        data = target.read_bytes()
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        headers = {
            "Content-Type": CONTENT_TYPES[target.suffix],
            "Content-Length": str(len(data)),
            "Cache-Control": "no-cache",
            "ETag": etag,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
        if target.suffix == ".html":
            headers["Content-Security-Policy"] = _CSP
        if if_none_match and etag in (tag.strip() for tag in if_none_match.split(",")):
            kept = {k: v for k, v in headers.items() if k not in ("Content-Type", "Content-Length")}
            return StaticReply(304, kept)
        return StaticReply(200, headers, b"" if method == "HEAD" else data)

    def _file_for(self, path: str) -> Path | None:
        if path in ROOT_FILES:
            relative = ROOT_FILES[path]
        elif path.startswith(ASSET_PREFIX):
            relative = "app/" + unquote(path[len(ASSET_PREFIX) :])
        else:
            return None
        if not _safe(relative):
            return None
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate if candidate.suffix in CONTENT_TYPES else None


def _safe(relative: str) -> bool:
    if "\\" in relative or "\x00" in relative or relative.startswith("/"):
        return False
    return all(part not in ("", ".", "..") for part in relative.split("/"))


def _text(status: int, message: str, extra: dict[str, str] | None = None) -> StaticReply:
    body = message.encode()
    headers = {
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Length": str(len(body)),
        "X-Content-Type-Options": "nosniff",
    }
    return StaticReply(status, {**headers, **(extra or {})}, body)
