"""Human or machine, source by source: real user agents of mail proxies, security scanners
and people's mail clients, the timing and burst rules, HEAD requests, scanner networks,
IP truncation for privacy, and that odd input never raises."""

from __future__ import annotations

import random

import pytest

from chalicelib.tracking.rules import (
    CLICK_TOO_SOON_SECONDS,
    OPEN_TOO_SOON_SECONDS,
    Hit,
    Verdict,
    classify_hit,
    truncate_ip,
)

SENT = 1_700_000_000.0
LATER = SENT + 3600  # an hour after delivery: no timing rule applies
PERSON_IP = "198.51.100.7"  # TEST-NET-2: on no scanner or Apple list

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15"
)
EDGE = CHROME + " Edg/131.0.0.0"
IPHONE_MAIL = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)
MAC_MAIL = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
)
ANDROID_GMAIL_WEBVIEW = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36"
)
HUMAN_AGENTS = [CHROME, FIREFOX, SAFARI_MAC, EDGE, IPHONE_MAIL, MAC_MAIL, ANDROID_GMAIL_WEBVIEW]

GMAIL_PROXY = (
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
)
YAHOO_PROXY = "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html"
OUTLOOK_DESKTOP = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)"
OUTLOOK_MS_OFFICE = "Mozilla/4.0 (compatible; ms-office; MSOffice 16)"
HEADLESS_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/120.0.6099.109 Safari/537.36"
)


def open_hit(agent: str, ip: str = PERSON_IP, at: float = LATER, method: str = "GET") -> Hit:
    return Hit("open", method, agent, ip, at, SENT)


def click_hit(
    agent: str, ip: str = PERSON_IP, at: float = LATER, method: str = "GET", link: int = 0
) -> Hit:
    return Hit("click", method, agent, ip, at, SENT, link)


@pytest.mark.parametrize(
    ("agent", "reason", "source"),
    [
        ("Mozilla/5.0", "apple_mpp", "Apple Mail Privacy Protection"),
        (GMAIL_PROXY, "gmail_image_proxy", "Google image proxy"),
        (YAHOO_PROXY, "yahoo_proxy", "Yahoo mail proxy"),
        (OUTLOOK_DESKTOP, "outlook_proxy", "Outlook"),
        (OUTLOOK_MS_OFFICE, "outlook_proxy", "Outlook"),
    ],
)
def test_mail_proxy_prefetches_are_machine_opens(agent, reason, source):
    assert classify_hit(open_hit(agent)) == Verdict("machine", reason, source)


def test_apple_egress_network_marks_an_open_as_mpp_whatever_the_agent():
    verdict = classify_hit(open_hit(IPHONE_MAIL, ip="17.58.63.1"))
    assert (verdict.actor, verdict.reason) == ("machine", "apple_mpp")


@pytest.mark.parametrize("agent", [OUTLOOK_DESKTOP, OUTLOOK_MS_OFFICE])
def test_mail_proxy_rules_apply_to_opens_only(agent):
    assert classify_hit(click_hit(agent)).reason != "outlook_proxy"


@pytest.mark.parametrize(
    ("agent", "source"),
    [
        ("Mozilla/5.0 (compatible; Mimecast URL Protect)", "Mimecast"),
        ("Mozilla/5.0 (compatible; Proofpoint URL Defense)", "Proofpoint"),
        ("urldefense.proofpoint.com link checker", "Proofpoint"),
        ("Barracuda Sentinel (EE)", "Barracuda"),
        ("BarracudaCentral Link Protection", "Barracuda"),
        ("Mozilla/5.0 (compatible; Microsoft Defender SafeLinks)", "Microsoft Defender Safe Links"),
        ("Trend Micro Web Reputation", "Trend Micro"),
        ("Sophos Email Security URL scanner", "Sophos"),
        ("FortiGuard URL Rating", "Fortinet"),
        ("Cisco IronPort URL Filter", "Cisco IronPort"),
        ("Symantec Click-time URL Protection", "Symantec"),
    ],
)
def test_security_scanners_are_named(agent, source):
    assert classify_hit(click_hit(agent)) == Verdict("machine", "scanner_user_agent", source)


@pytest.mark.parametrize(
    "agent",
    [
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Go-http-client/1.1",
        HEADLESS_CHROME,
        "Wget/1.21.4",
        "okhttp/4.12.0",
    ],
)
@pytest.mark.parametrize("make", [open_hit, click_hit])
def test_http_libraries_and_headless_browsers_are_machines(agent, make):
    verdict = classify_hit(make(agent))
    assert (verdict.actor, verdict.reason) == ("machine", "scanner_user_agent")


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; Some-Crawler/1.0)",
        "Mozilla/5.0 (compatible; ExampleSpider/3.1)",
        "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
    ],
)
def test_bots_crawlers_and_link_previews_are_machines(agent):
    verdict = classify_hit(click_hit(agent))
    # A separate bot_user_agent reason may be split out later; either is a machine.
    assert verdict.actor == "machine"
    assert verdict.reason in ("scanner_user_agent", "bot_user_agent")


@pytest.mark.parametrize("agent", HUMAN_AGENTS)
@pytest.mark.parametrize("make", [open_hit, click_hit])
def test_people_reading_well_after_delivery_are_human(agent, make):
    assert classify_hit(make(agent)) == Verdict("human", "human", None)


@pytest.mark.parametrize("agent", HUMAN_AGENTS)
def test_delivery_time_unknown_means_no_timing_rule(agent):
    assert classify_hit(Hit("click", "GET", agent, PERSON_IP, SENT, None, 0)).actor == "human"


@pytest.mark.parametrize("method", ["HEAD", "head"])
@pytest.mark.parametrize("make", [open_hit, click_hit])
def test_head_requests_are_machines_even_from_a_browser(method, make):
    assert classify_hit(make(CHROME, method=method)).reason == "head_request"


@pytest.mark.parametrize("agent", ["", "   ", "\t\r\n"])
def test_an_empty_user_agent_is_a_machine(agent):
    assert classify_hit(click_hit(agent)) == Verdict("machine", "empty_user_agent", None)


@pytest.mark.parametrize(
    ("make", "limit"),
    [(click_hit, CLICK_TOO_SOON_SECONDS), (open_hit, OPEN_TOO_SOON_SECONDS)],
)
def test_hits_as_the_mail_arrives_are_machines(make, limit):
    for delay in (0.0, limit / 2, limit - 0.01):
        assert classify_hit(make(CHROME, at=SENT + delay)).reason == "too_soon_after_delivery"
    assert classify_hit(make(CHROME, at=SENT + limit)).actor == "human"


def test_the_click_window_is_wider_than_the_open_window():
    assert CLICK_TOO_SOON_SECONDS == 10
    assert OPEN_TOO_SOON_SECONDS == 2
    assert classify_hit(open_hit(CHROME, at=SENT + 5)).actor == "human"
    assert classify_hit(click_hit(CHROME, at=SENT + 5)).actor == "machine"


def test_three_links_in_one_second_are_a_scanner():
    earlier = [(0, LATER - 0.9), (1, LATER - 0.4)]
    verdict = classify_hit(click_hit(CHROME, link=2), earlier)
    assert (verdict.actor, verdict.reason) == ("machine", "all_links_at_once")


def test_burst_order_does_not_matter():
    # Hits can reach different Lambda instances out of order; a later click counts too.
    around = [(0, LATER + 0.5), (1, LATER - 0.5)]
    assert classify_hit(click_hit(CHROME, link=2), around).reason == "all_links_at_once"


@pytest.mark.parametrize(
    "earlier",
    [
        [],
        [(0, LATER - 0.5)],  # two links: a person can do that
        [(2, LATER - 0.5), (2, LATER - 0.2)],  # one link clicked three times
        [(0, LATER - 60), (1, LATER - 30)],  # three links, a minute apart
    ],
)
def test_a_person_clicking_around_is_not_a_burst(earlier):
    assert classify_hit(click_hit(CHROME, link=2), earlier).actor == "human"


@pytest.mark.parametrize(
    ("ip", "source"),
    [("205.139.110.20", "Mimecast"), ("148.163.130.1", "Proofpoint")],
)
def test_known_scanner_networks_are_machines(ip, source):
    verdict = classify_hit(click_hit(CHROME, ip=ip))
    assert verdict == Verdict("machine", "scanner_network", source)


@pytest.mark.parametrize(
    ("ip", "truncated"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("10.1.2.3", "10.1.2.0"),
        (" 203.0.113.77 ", "203.0.113.0"),
        ("2001:db8:abcd:12:34::1", "2001:db8:abcd::"),
        ("2a02:26f0:fd::1", "2a02:26f0:fd::"),
        ("::1", "::"),
    ],
)
def test_ips_are_truncated_for_privacy(ip, truncated):
    assert truncate_ip(ip) == truncated
    assert truncate_ip(truncated) == truncated


@pytest.mark.parametrize(
    "ip",
    [
        "",
        "not-an-ip",
        "999.1.1.1",
        "1.2.3.04",  # leading zeros are ambiguous (octal); refused
        "127.1",
        "203.0.113.9:443",
        "[2001:db8::1]",
        "2001:db8::1/64",
        "1.2.3.4, 5.6.7.8",  # a raw X-Forwarded-For list is not an address
        "\udcff",
        "\x00" * 64,
    ],
)
def test_anything_but_one_address_truncates_to_nothing(ip):
    assert truncate_ip(ip) == ""


def _odd_text(rng: random.Random, size: int) -> str:
    alphabet = "\x00\t\n\r \x7f\udcff\u202eé漢🐧/;()Mozilla-5.0:bot HEAD"
    return "".join(rng.choice(alphabet) for _ in range(size))


def test_odd_input_never_raises():
    rng = random.Random(20240601)
    times = [0.0, -1.0, SENT, LATER, float("nan"), float("inf"), float("-inf"), 1e300]
    for _ in range(500):
        hit = Hit(
            kind=rng.choice(["open", "click", "", "OPEN", "view"]),
            method=rng.choice(["GET", "HEAD", "", "POST", "get", "\x00"]),
            user_agent=_odd_text(rng, rng.choice([0, 1, 40, 600])),
            ip=rng.choice(["", "::", "17.0.0.1", "205.139.110.1", _odd_text(rng, 20)]),
            at=rng.choice(times),
            sent_at=rng.choice([None, *times]),
            link_index=rng.choice([None, 0, 1, -1, 70_000]),
        )
        recent = [(rng.randint(-1, 5), rng.choice(times)) for _ in range(rng.randint(0, 4))]
        assert classify_hit(hit, recent).actor in ("human", "machine")
        assert isinstance(truncate_ip(hit.ip), str)


def test_only_the_start_of_a_huge_user_agent_is_inspected():
    # A scanner word past the inspected prefix must not cost us a scan of megabytes.
    padded = CHROME + " " * 10_000 + "curl/8.5.0"
    assert classify_hit(click_hit(padded)).actor == "human"
    assert classify_hit(click_hit("curl/8.5.0" + "x" * 1_000_000)).reason == "scanner_user_agent"


def test_none_in_any_field_is_tolerated():
    odd = Hit(None, None, None, None, None, SENT, None)  # type: ignore[arg-type]
    assert classify_hit(odd).actor == "machine"


def test_ipv4_mapped_addresses_are_treated_as_ipv4():
    assert truncate_ip("::ffff:203.0.113.77") == "203.0.113.0"
    assert classify_hit(open_hit(IPHONE_MAIL, ip="::ffff:17.58.63.1")).reason == "apple_mpp"
