"""The alert rules of PRODUCT.md: thresholds, minimum samples, and the strongest finding."""

import pytest

from chalicelib.health.rules.alerts import blacklist_findings, bounce_findings, spam_findings

MBX = "mailbox:mbx_a"


@pytest.mark.parametrize(
    ("sent", "bounced", "kind"),
    [
        (100, 3, None),  # exactly 3 % does not warn
        (100, 4, "bounce_rate_warning"),
        (100, 5, "bounce_rate_warning"),  # exactly 5 % warns, does not pause
        (100, 6, "bounce_rate_pause"),
        (2, 1, None),  # one bounce of two sends: too few to judge
        (19, 5, None),
        (20, 2, "bounce_rate_pause"),
    ],
)
def test_bounce_thresholds(sent, bounced, kind):
    found = bounce_findings(MBX, {"sent": sent, "bounced": bounced})

    assert [f.kind for f in found] == ([kind] if kind else [])


def test_a_pause_names_the_scope_action_and_explains_itself():
    [mailbox] = bounce_findings(MBX, {"sent": 40, "bounced": 4})
    [domain] = bounce_findings("domain:dom_a", {"sent": 40, "bounced": 4})

    assert (mailbox.action, domain.action) == ("pause_mailbox", "pause_domain")
    assert mailbox.explanation == {
        "sent": 40,
        "bounced": 4,
        "bounce_rate": 0.1,
        "min_sent": 20,
        "threshold": 0.05,
        "decision": "pause_mailbox",
    }


def test_a_warning_does_nothing():
    [warning] = bounce_findings(MBX, {"sent": 100, "bounced": 4})

    assert (warning.severity, warning.action) == ("warning", "none")


def test_spam_over_a_tenth_of_a_percent_pauses_the_campaign():
    [found] = spam_findings("campaign:cmp_a", {"sent": 60, "complaints": 1})

    assert (found.kind, found.action) == ("spam_rate_pause", "pause_campaign")
    assert found.explanation["spam_rate"] == round(1 / 60, 4)


def test_spam_needs_enough_delivered_mail():
    assert spam_findings("campaign:cmp_a", {"sent": 49, "complaints": 1}) == []
    assert spam_findings("campaign:cmp_a", {"sent": 2000, "complaints": 2}) == []  # 0.1 %


def test_any_listing_pauses_the_domain_and_a_timeout_never_does():
    listed = blacklist_findings("domain:dom_a", {"a@z": "listed", "b@z": "unknown"})
    unknown = blacklist_findings("domain:dom_a", {"a@z": "unknown", "b@z": "not_listed"})

    assert [f.action for f in listed] == ["pause_domain"]
    assert listed[0].explanation["listings"] == ["a@z"]
    assert unknown == []
