"""Rewriting HTML for tracking: which links go through /t/c/, the open pixel, refusals."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from chalicelib.sending.mime import links as tracking_links
from chalicelib.sending.mime.links import rewrite_html
from chalicelib.sending.rules import tokens as tracking_tokens

BASE = "https://t.acme.test"


class Recorder:
    """A click-token maker that remembers what it was asked to sign."""

    def __init__(self) -> None:
        self.signed: list[tuple[int, str]] = []

    def __call__(self, index: int, url: str) -> str:
        self.signed.append((index, url))
        return f"tok{index}"


def _rewrite(html: str, **options: object) -> tuple[str, list[tuple[int, str]]]:
    tokens = Recorder()
    options = {"open_token": None, **options}
    return rewrite_html(html, base_url=BASE, make_click_token=tokens, **options), tokens.signed


def test_http_and_https_links_go_through_click_tokens_in_order():
    html = "<p><a href=\"https://acme.test/a\">A</a> and <A HREF='http://acme.test/b'>B</A></p>"
    out, signed = _rewrite(html)
    assert signed == [(0, "https://acme.test/a"), (1, "http://acme.test/b")]
    assert out == (f'<p><a href="{BASE}/t/c/tok0">A</a> and <A href="{BASE}/t/c/tok1">B</A></p>')


def test_area_tags_and_unquoted_hrefs_are_tracked_other_attributes_kept():
    html = (
        '<map><area shape="rect" coords="0,0,1,1" href=https://acme.test/map alt="x"></map>'
        '<a class="btn" href="https://acme.test/c" target="_blank" style="color:red">C</a>'
    )
    out, signed = _rewrite(html)
    assert [url for _, url in signed] == ["https://acme.test/map", "https://acme.test/c"]
    assert f'<area shape="rect" coords="0,0,1,1" href="{BASE}/t/c/tok0" alt="x">' in out
    assert f'<a class="btn" href="{BASE}/t/c/tok1" target="_blank" style="color:red">' in out


@pytest.mark.parametrize(
    "href",
    [
        "mailto:sales@acme.test",
        "tel:+15550100",
        "sms:+15550100",
        "#section-2",
        "/relative/page",
        "page.html",
        "//cdn.acme.test/x",
        "",
    ],
)
def test_other_destinations_are_left_exactly_as_written(href):
    html = f'<p><a href="{href}">x</a></p>'
    out, signed = _rewrite(html)
    assert out == html and signed == []


def test_links_without_href_and_lookalike_tags_are_left_alone():
    html = (
        '<a name="top">top</a><abbr href="https://acme.test">x</abbr><address>a</address>'
        '<a title="href=https://decoy.test" data-x="1">no href</a>'
    )
    out, signed = _rewrite(html)
    assert out == html and signed == []


def test_the_unsubscribe_link_is_skipped():
    unsubscribe = "https://t.acme.test/u/abc"
    html = f'<a href="{unsubscribe}">Unsubscribe</a> <a href="https://acme.test/x">x</a>'
    out, signed = _rewrite(html, skip_urls=frozenset({unsubscribe}))
    assert signed == [(0, "https://acme.test/x")]
    assert f'<a href="{unsubscribe}">Unsubscribe</a>' in out


def test_entities_are_decoded_before_signing_and_the_output_is_escaped():
    # given an href as it appears in HTML source, with &amp; the browser decodes
    html = '<a href="https://acme.test/p?a=1&amp;b=2&#38;c=&quot;q&quot;">x</a>'

    # when the link is rewritten with a token holding characters that need escaping
    def token(index: int, url: str) -> str:
        return 'a&b"<'

    out = rewrite_html(html, base_url=BASE, make_click_token=token, open_token=None)
    # then the token sees the decoded URL and the attribute stays well formed
    href = re.search(r'href="([^"]*)"', out)
    assert href is not None and html_lib.unescape(href.group(1)) == f'{BASE}/t/c/a&b"<'
    signed = _rewrite(html)[1]
    assert signed == [(0, 'https://acme.test/p?a=1&b=2&c="q"')]


def test_whitespace_browsers_ignore_is_removed_before_signing():
    html = '<a href="  https://acme.test/a\n/b\t ">x</a>'
    assert _rewrite(html)[1] == [(0, "https://acme.test/a/b")]


def test_the_first_href_is_the_one_tracked_as_browsers_use_it():
    html = '<a href="https://acme.test/first" href="https://acme.test/second">x</a>'
    out, signed = _rewrite(html)
    assert signed == [(0, "https://acme.test/first")]
    assert 'href="https://acme.test/second"' in out


def test_attributes_with_quotes_or_angle_brackets_do_not_confuse_the_scan():
    html = '<a title="a > b" data-q=\'say "hi"\' href="https://acme.test/q">x</a>'
    out, signed = _rewrite(html)
    assert signed == [(0, "https://acme.test/q")]
    assert out == f'<a title="a > b" data-q=\'say "hi"\' href="{BASE}/t/c/tok0">x</a>'


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;avascript&colon;alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
    ],
)
def test_script_and_data_destinations_are_refused_naming_the_link(href):
    html = f'<p><a href="https://acme.test/ok">ok</a><a href="{href}">bad</a></p>'
    with pytest.raises(ValueError, match=r"(?i)link '(javascript|data|vbscript):.*is refused"):
        _rewrite(html)
    with pytest.raises(ValueError):  # refused when clicks are not tracked too
        rewrite_html(html, base_url=BASE, make_click_token=None, open_token=None)


def test_without_a_token_maker_links_are_checked_but_kept():
    html = '<a href="https://acme.test/a">a</a>'
    out = rewrite_html(html, base_url=BASE, make_click_token=None, open_token=None)
    assert out == html


def test_check_links_refuses_what_rewriting_would_refuse():
    tracking_links.check_links('<a href="https://acme.test/a">a</a><a href="mailto:x@y.test">')
    with pytest.raises(ValueError, match="javascript"):
        tracking_links.check_links('<a href="https://acme.test">a</a><a href="javascript:x">b</a>')


def test_a_link_the_token_maker_refuses_is_an_error():
    html = '<a href="https://acme.test/' + "a" * 3000 + '">long</a>'
    keys = tracking_tokens.TokenKeys({"k1": b"k" * 32}, "k1")

    def sign(index: int, url: str) -> str:
        claims = tracking_tokens.TokenClaims("click", "ten_1", "msg_1", 2**31, index, url)
        return tracking_tokens.encode(claims, keys)

    with pytest.raises(ValueError, match="2000 bytes"):
        rewrite_html(html, base_url=BASE, make_click_token=sign, open_token=None)


def test_the_open_pixel_goes_before_the_last_body_end_tag():
    html = "<html><body><p>Hi</p></BODY ></html>"
    out, _ = _rewrite(html, open_token="open1")
    pixel = f'<img src="{BASE}/t/o/open1" width="1" height="1" alt="" style="display:none">'
    assert out == f"<html><body><p>Hi</p>{pixel}</BODY ></html>"


def test_the_open_pixel_is_appended_when_there_is_no_body_tag():
    out, _ = _rewrite("<p>Hi</p>", open_token="o")
    assert out.startswith("<p>Hi</p><img ") and out.endswith('style="display:none">')


def test_a_trailing_slash_on_base_url_is_not_doubled():
    out = rewrite_html(
        '<a href="https://acme.test">x</a>',
        base_url=BASE + "/",
        make_click_token=lambda i, u: "t",
        open_token="o",
    )
    assert f'href="{BASE}/t/c/t"' in out and f'src="{BASE}/t/o/o"' in out


@pytest.mark.parametrize(
    "html",
    ["<a " * 20_000, '<a "' * 20_000, "<area href='" * 20_000, "<a href=x" * 20_000],
)
def test_markup_that_never_closes_is_scanned_once(html):
    # Each of these would be re-scanned from every "<a" by a naive regex (quadratic time);
    # a tag that never closes ends the document for a browser too, so nothing changes.
    assert _rewrite(html) == (html, [])


def test_a_realistic_body_round_trip():
    # given a body with tracked links, a mailto, an anchor, an unsubscribe link
    html = (
        "<html><body><p>Hi Ann,</p>"
        '<p><a href="https://acme.test/guide?utm_source=email&amp;step=1">guide</a>'
        ' or <a href="mailto:sam@acme.test">mail me</a>'
        ' (<a href="#ps">P.S.</a>)</p>'
        '<p id="ps"><a href="https://t.acme.test/u/tok">unsubscribe</a></p>'
        "</body></html>"
    )
    # when rewritten with an open token
    out, signed = _rewrite(
        html, open_token="o1", skip_urls=frozenset({"https://t.acme.test/u/tok"})
    )
    # then one link is tracked, the rest are intact, and the pixel closes the body
    assert signed == [(0, "https://acme.test/guide?utm_source=email&step=1")]
    assert out.count("/t/c/") == 1 and out.count("/t/o/o1") == 1
    for kept in ('href="mailto:sam@acme.test"', 'href="#ps"', 'href="https://t.acme.test/u/tok"'):
        assert kept in out
    assert out.endswith('style="display:none"></body></html>')
    assert tracking_links.REFUSED_SCHEMES == {"javascript", "vbscript", "data"}
