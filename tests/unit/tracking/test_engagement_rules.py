"""Human or machine: real user agents of mail proxies and scanners, timing rules, HEAD
requests, bursts of clicks, and IP truncation for privacy."""

from __future__ import annotations

import pytest

from chalicelib.tracking.rules import Hit, classify_hit, truncate_ip

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
IPHONE_MAIL = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"


def _hit(kind="click", agent=CHROME, method="GET", ip="198.51.100.7", at=1000.0, sent=0.0, link=0):
    return Hit(kind, method, agent, ip, at, sent, link if kind == "click" else None)


@pytest.mark.parametrize(
    ("hit", "reason"),
    [
        (_hit("open", "Mozilla/5.0"), "apple_mpp"),
        (
            _hit(
                "open",
                "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 "
                "(via ggpht.com GoogleImageProxy)",
            ),
            "gmail_image_proxy",
        ),
        (
            _hit(
                "open", "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html"
            ),
            "yahoo_proxy",
        ),
        (_hit("click", "Mozilla/5.0 (compatible; Mimecast URL Protect)"), "scanner_user_agent"),
        (_hit("click", "Proofpoint URL Defense (urldefense.com)"), "scanner_user_agent"),
        (_hit("click", "BarracudaCentral Link Protection"), "scanner_user_agent"),
        (_hit("click", "python-requests/2.32.3"), "scanner_user_agent"),
        (_hit("click", "curl/8.5.0"), "scanner_user_agent"),
        (_hit("click", "Mozilla/5.0 HeadlessChrome/120.0"), "scanner_user_agent"),
        (_hit("click", ""), "empty_user_agent"),
        (_hit("click", CHROME, method="HEAD"), "head_request"),
        (_hit("click", CHROME, at=1003.0, sent=1000.0), "too_soon_after_delivery"),
        (_hit("open", IPHONE_MAIL, at=1000.5, sent=1000.0), "too_soon_after_delivery"),
        (_hit("open", IPHONE_MAIL, ip="17.58.63.1"), "apple_mpp"),
        (_hit("click", CHROME, ip="205.139.110.20"), "scanner_network"),
    ],
)
def test_machines_are_flagged_with_a_reason(hit, reason):
    verdict = classify_hit(hit)
    assert (verdict.actor, verdict.reason) == ("machine", reason)


def test_a_person_clicking_well_after_delivery_is_human():
    assert classify_hit(_hit("click", CHROME, at=5000.0, sent=1000.0)).actor == "human"
    assert classify_hit(_hit("open", IPHONE_MAIL, at=5000.0, sent=1000.0)).actor == "human"


def test_every_link_clicked_at_once_is_a_scanner():
    recent = [(0, 999.5), (1, 999.8)]
    assert classify_hit(_hit(link=2), recent).reason == "all_links_at_once"
    assert classify_hit(_hit(link=2), [(0, 900.0), (1, 950.0)]).actor == "human"


def test_known_scanners_are_named():
    assert classify_hit(_hit(agent="Mimecast")).source == "Mimecast"


@pytest.mark.parametrize(
    ("ip", "truncated"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("2001:db8:abcd:12:34::1", "2001:db8:abcd::"),
        ("not-an-ip", ""),
        ("", ""),
        ("999.1.1.1", ""),
    ],
)
def test_ips_are_truncated_for_privacy(ip, truncated):
    assert truncate_ip(ip) == truncated


def test_odd_input_never_raises():
    assert classify_hit(_hit(agent="\x00" * 100_000, ip="\udcff", method="")).actor in (
        "human",
        "machine",
    )
