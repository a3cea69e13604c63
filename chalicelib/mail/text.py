"""HTML to plain text, the one way the platform does it: the text part derived for an email
that has only HTML (``sending``) and the readable text of an inbound HTML reply or bounce
(``inbound``).

Markup is read as ``html.parser`` splits it, with compiled regexes whose quantifiers are
possessive, so markup that never closes fails in one linear pass: any input, however hostile,
is converted in linear time. Block tags break lines, table cells are spaced, script, style,
head and title are dropped, entities are decoded, links (optionally) keep their URL as
``text (url)``, and whitespace is collapsed with at most one empty line in a row.
"""

from __future__ import annotations

import html as html_lib
import re

# Markup as ``html.parser`` splits it, as compiled regexes (the stdlib parser took a fifth
# of ``build``), with one difference: a tag's name is letters, digits, ``-`` and ``:`` and
# ends at whitespace, ``/`` or ``>``, so ``<msg_1.ab@acme.test>`` quoted in a bounce is text,
# not an unknown element. Comments, declarations and processing instructions are dropped
# whole. The
# quantifiers are possessive, so markup that never closes fails in one linear pass. One
# ``_STEP`` match reads the text up to the next markup, then that markup if it closes (a
# regex call per tag, and Python work per tag, are most of the cost of ``html_to_text``).
_STEP = re.compile(
    r"([^<]*+(?:<(?!/?[a-zA-Z][a-zA-Z0-9:-]*+[\t\n\r\f />]|[!?])[^<]*+)*+)"
    r"(<(/?)([a-zA-Z][a-zA-Z0-9:-]*+)(?=[\t\n\r\f />])"
    r"([^>\"']*+(?:(?:\"[^\"]*+\"|'[^']*+')[^>\"']*+)*+)>"
    r"|<!--.*?(?:-->|\Z)|<![^>]*+>|<\?[^>]*+>)?+",
    re.DOTALL,
)
_ATTRIBUTE = re.compile(
    r"""([^\t\n\r\f />=][^\t\n\r\f />=]*+)"""
    r"""(?:[\t\n\r\f ]*+=[\t\n\r\f ]*+("[^"]*+"|'[^']*+'|[^\t\n\r\f >]*+))?+"""
)
_SPACE = "\t\n\r\f "
_RAW_TEXT_END = {
    name: re.compile(rf"</[\t\n\r\f ]*{name}[\t\n\r\f ]*>", re.IGNORECASE)
    for name in ("script", "style")
}
# What a tag does to the text; other tags do nothing.
_HIDDEN, _BLOCK, _LINK, _CELL = range(4)
_BLOCKS = "p div br li tr h1 h2 h3 h4 h5 h6 table ul ol hr pre blockquote section article"
_TAG_KINDS = {
    **dict.fromkeys(("script", "style", "head", "title"), _HIDDEN),
    **dict.fromkeys(_BLOCKS.split(), _BLOCK),
    **dict.fromkeys(("td", "th"), _CELL),
    "a": _LINK,
}


def _href(attributes: str) -> str | None:
    """The value of the last ``href`` (the one ``html.parser`` keeps in a dict), entities
    decoded; "" or None when it has none."""
    if attributes[:7] == ' href="' and attributes[-1:] == '"' and attributes.count('"') == 2:
        value = attributes[7:-1]  # the only attribute, as tracked links have it
        return html_lib.unescape(value) if "&" in value else value
    for name, value in reversed(_ATTRIBUTE.findall(attributes)):
        if name.lower() == "href":
            value = value[1:-1] if value[:1] in ("'", '"') else value
            return html_lib.unescape(value) if "&" in value else value
    return None


def _self_closing(attributes: str) -> bool:
    """Whether a start tag ends with ``/>`` that is not the end of an unquoted value."""
    rest = attributes.rstrip(_SPACE)
    # A string test, not a regex: a regex search tried every "/" of a long href.
    return rest[-1:] == "/" and (len(rest) == 1 or rest[-2] in _SPACE + "\"'")


class _TextExtractor:
    """Collects the readable text of an HTML document; links become ``text (url)``.

    Block tags add a line break (hidden or not), table cells a space, text inside script,
    style, head and title is dropped, and (with ``links``) a link whose text is not its URL
    gets `` (url)`` after its text.
    """

    def __init__(self, links: bool) -> None:
        self.parts: list[str] = []
        self._hidden = 0
        self._links: list[tuple[str | None, int]] = []
        self._show_links = links

    def feed(self, html: str) -> None:
        at: int | None = 0
        while at is not None:
            at = self._read(html, at)

    def _read(self, html: str, at: int) -> int | None:
        """Reads from ``at`` to the end (None), or up to script or style text to skip (where
        to go on). Steps of one ``finditer`` are contiguous: ``_STEP`` matches anywhere.
        The loop runs once per tag, so the common cases are inline."""
        append = self.parts.append
        for step in _STEP.finditer(html, at):
            data, markup, slash, name, attributes = step.groups()
            if data and not self._hidden:
                append(html_lib.unescape(data) if "&" in data else data)
            if markup is None:  # the end, or markup that never closes: text, as html.parser
                rest = html[step.end() :]
                if rest and not self._hidden:
                    append(html_lib.unescape(rest) if "&" in rest else rest)
                return None
            kind = None if name is None else _TAG_KINDS.get(name.lower())
            if kind == _BLOCK:
                append("\n")
                if not slash and "/" in attributes and _self_closing(attributes):
                    append("\n")
            elif kind == _CELL:
                append(" ")
            elif kind == _LINK and self._show_links:
                self._link(slash, attributes)
            elif kind == _HIDDEN:
                skip_to = self._hidden_tag(html, step.end(), slash, name.lower(), attributes)
                if skip_to is not None:
                    return skip_to
        return None

    def _hidden_tag(self, html: str, at: int, slash: str, name: str, attributes: str) -> int | None:
        """Counts hidden elements open; where script or style text ends, to skip it."""
        if slash:
            self._hidden = max(0, self._hidden - 1)
            return None
        if _self_closing(attributes):  # opened and closed at once
            return None
        self._hidden += 1
        if name not in _RAW_TEXT_END:
            return None
        end = _RAW_TEXT_END[name].search(html, at)
        return len(html) if end is None else end.start()

    def _link(self, slash: str, attributes: str) -> None:
        """Opens a link, or closes the last one: `` (url)`` unless its text is the URL."""
        if not slash:
            self._links.append((_href(attributes), len(self.parts)))
            if _self_closing(attributes):
                self._link("/", "")
        elif self._links:
            href, start = self._links.pop()
            label = "".join(self.parts[start:]).strip()
            if href and not href.startswith(("#", "javascript:")) and href != label:
                self.parts.append(f" ({href})")


def _collapsed(text: str) -> str:
    """``text`` with whitespace runs in a line as one space, no whitespace at the ends of a
    line or of the text, and at most one empty line in a row."""
    lines: list[str] = []
    blank = True  # no empty line at the start, nor after an empty line
    for line in text.splitlines():
        if not _tidy(line):
            line = " ".join(line.split())
        if line or not blank:
            lines.append(line)
            blank = not line
    if lines and blank:
        lines.pop()
    return "\n".join(lines)


def _tidy(line: str) -> bool:
    """Whether an ASCII line is already as ``" ".join(line.split())`` makes it (checked in
    C, cheaper than splitting a paragraph into words). Within a line from ``splitlines``,
    the only ASCII whitespace ``split`` knows besides the space are TAB and US (0x1f)."""
    return (
        line.isascii()
        and line[:1] != " "
        and line[-1:] != " "
        and "  " not in line
        and "\t" not in line
        and "\x1f" not in line
    )


def html_to_text(html: str, links: bool = True) -> str:
    """Plain text from HTML: tags stripped, links kept as ``text (url)`` (unless ``links`` is
    False), whitespace collapsed, ending in one newline."""
    parser = _TextExtractor(links)
    parser.feed(html)
    return _collapsed("".join(parser.parts)) + "\n"
