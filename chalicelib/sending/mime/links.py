"""Rewriting an HTML body for tracking: links through ``/t/c/{token}``, an open pixel.

This runs once per message, so it is a compiled regex over ``<a>`` and ``<area>`` tags, not
an HTML parse. Each ``href`` is read the way a browser reads it (entities decoded, tabs and
line breaks removed, surrounding spaces stripped) before it is classified:

- ``http``/``https``: replaced by ``{base_url}/t/c/{token}`` (tokens made by the caller);
- ``javascript:``, ``vbscript:``, ``data:``: refused, ValueError naming the link (product
  rule: such destinations are refused when the email is built);
- anything else (``mailto:``, ``tel:``, ``#anchor``, relative links) and ``skip_urls``
  (the unsubscribe link): left exactly as written.

Known limit: tags inside comments, ``<script>`` or ``<style>`` are rewritten too; email
clients do not run scripts, and a commented-out link only costs an unused token.
"""

from __future__ import annotations

import html as html_lib
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

REFUSED_SCHEMES = frozenset({"javascript", "vbscript", "data"})
# Attribute syntax as the HTML tokenizer sees it. Possessive quantifiers: a tag that never
# closes fails in linear time instead of backtracking through every way to split its names.
_WS = r"[\t\n\f\r ]"
_NAME = r"[^\t\n\f\r />][^\t\n\f\r />=]*+"
_VALUE = r""""[^"]*"|'[^']*'|[^\t\n\f\r >]++"""
_EQUALS = rf"{_WS}*+={_WS}*+"
_TAG_START = re.compile(r"<(?:a|area)(?=[\t\n\f\r />])", re.IGNORECASE)
_TAG = re.compile(
    rf"{_TAG_START.pattern}(?:[\t\n\f\r /]++|{_NAME}(?:{_EQUALS}(?:{_VALUE}))?+)*+>",
    re.IGNORECASE,
)
_ATTRIBUTE = re.compile(rf"[\t\n\f\r /]*+({_NAME})(?:{_EQUALS}({_VALUE}))?+")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_BROWSER_REMOVES = str.maketrans("", "", "\t\n\r")
_STRIPPED = "".join(map(chr, range(0x21)))  # browsers strip C0 controls and space
_BODY_END = re.compile(r"</body[\t\n\f\r ]*>", re.IGNORECASE)


def _destination(value: str) -> str:
    """The URL a browser would follow for this raw attribute value."""
    if "&" in value:
        value = html_lib.unescape(value)
    value = value.strip(_STRIPPED)
    if "\t" in value or "\n" in value or "\r" in value:  # rare; translate() is slow
        value = value.translate(_BROWSER_REMOVES)
    return value


def _scheme(url: str) -> str | None:
    found = _SCHEME.match(url)
    return found.group(1).lower() if found else None


def _href(tag: str) -> re.Match[str] | None:
    """The first ``href`` attribute of a tag (the one browsers use), if it has a value."""
    start = 2 if tag[2:3] in "\t\n\f\r />" else 5  # past "<a" or "<area"
    for attribute in _ATTRIBUTE.finditer(tag, start, len(tag) - 1):
        if attribute.group(1).lower() == "href":
            return attribute if attribute.group(2) is not None else None
    return None


class _Rewriter:
    """Rewrites one tag at a time, counting tracked links in document order.

    Without ``make_click_token`` it only checks: refused destinations raise, nothing changes.
    """

    def __init__(
        self,
        base_url: str,
        make_click_token: Callable[[int, str], str] | None,
        skip: frozenset[str],
    ) -> None:
        self.prefix = html_lib.escape(base_url.rstrip("/"), quote=True) + "/t/c/"
        self.make_click_token = make_click_token
        self.skip = skip
        self.links = 0

    def __call__(self, match: re.Match[str]) -> str:
        tag = match.group(0)
        href = _href(tag)
        if href is None:
            return tag
        raw = href.group(2)
        url = _destination(raw[1:-1] if raw[0] in "\"'" else raw)
        scheme = _scheme(url)
        if scheme in REFUSED_SCHEMES:
            raise ValueError(f"link {url[:80]!r} is refused: no {scheme}: destinations in email")
        if self.make_click_token is None or scheme not in ("http", "https") or url in self.skip:
            return tag
        token = self.make_click_token(self.links, url)
        self.links += 1
        attribute = f'href="{self.prefix}{html_lib.escape(token, quote=True)}"'
        return tag[: href.start(1)] + attribute + tag[href.end() :]


def _rewrite_tags(html: str, rewrite: _Rewriter) -> str:
    """``html`` with each ``<a>``/``<area>`` start tag replaced by ``rewrite(tag)``.

    A loop rather than ``re.sub``: when a tag never closes, the document ends inside it for a
    browser too, so the scan stops there instead of retrying from every later ``<a``.
    """
    parts: list[str] = []
    done = 0
    for start in _TAG_START.finditer(html):
        if start.start() < done:
            continue
        tag = _TAG.match(html, start.start())
        if tag is None:
            break
        parts += (html[done : tag.start()], rewrite(tag))
        done = tag.end()
    parts.append(html[done:])
    return "".join(parts)


def open_pixel(base_url: str, open_token: str) -> str:
    """The hidden 1x1 image whose fetch records an open."""
    src = html_lib.escape(f"{base_url.rstrip('/')}/t/o/{open_token}", quote=True)
    return f'<img src="{src}" width="1" height="1" alt="" style="display:none">'


def _with_pixel(html: str, pixel: str) -> str:
    ends = list(_BODY_END.finditer(html))
    if not ends:
        return html + pixel
    at = ends[-1].start()
    return html[:at] + pixel + html[at:]


def rewrite_html(
    html: str,
    *,
    base_url: str,
    make_click_token: Callable[[int, str], str] | None,
    open_token: str | None,
    skip_urls: frozenset[str] = frozenset(),
) -> str:
    """``html`` with tracked links and, when ``open_token`` is given, the open pixel.

    ``make_click_token(index, url)`` signs the decoded URL of the index-th tracked link;
    None leaves every link as it is (clicks not tracked) but still refuses bad destinations.
    Raises ValueError for a ``javascript:``, ``vbscript:`` or ``data:`` link, or for a link
    the token maker refuses.
    """
    rewritten = _rewrite_tags(html, _Rewriter(base_url, make_click_token, skip_urls))
    if open_token is None:
        return rewritten
    return _with_pixel(rewritten, open_pixel(base_url, open_token))


def check_links(html: str) -> None:
    """Raises ValueError for a refused destination, for a body whose links are not tracked."""
    _rewrite_tags(html, _Rewriter("", None, frozenset()))
