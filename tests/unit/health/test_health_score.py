"""The health score: four parts, each with its inputs, points and reasons."""

from chalicelib.health.rules.score import Infrastructure, health_score

VERIFIED = {"spf": "verified", "dkim": "verified", "dmarc": "verified"}
CLEAN = Infrastructure(["active"], ["closed"], {"192.0.2.10@zen.test": "not_listed"})
GOOD_DAY = {"sent": 100, "bounced": 0, "deferred": 0, "unique_opens": 40, "replies": 6}


def _part(score, name):
    return next(p for p in score.parts if p.name == name)


def test_a_healthy_mailbox_scores_100():
    score = health_score(VERIFIED, GOOD_DAY, CLEAN)

    assert score.score == 100
    assert [p.max_points for p in score.parts] == [25, 30, 25, 20]
    assert all(not p.reasons for p in score.parts)


def test_failed_dkim_costs_its_9_points_and_says_so():
    score = health_score({**VERIFIED, "dkim": "failed"}, GOOD_DAY, CLEAN)

    auth = _part(score, "authentication")
    assert (auth.points, auth.inputs["dkim"], auth.reasons) == (16, "failed", ["DKIM is failed"])
    assert score.score == 91


def test_bounces_and_deferrals_lower_deliverability_linearly():
    counts = {**GOOD_DAY, "bounced": 2, "deferred": 5}  # 2 % bounces, 5 % deferrals

    part = _part(health_score(VERIFIED, counts, CLEAN), "deliverability")

    assert part.points == 20 * (1 - 0.02 / 0.05) + 10 * (1 - 0.05 / 0.10)
    assert part.inputs["bounce_rate"] == 0.02
    assert len(part.reasons) == 2


def test_one_complaint_in_a_hundred_zeroes_the_spam_points():
    counts = {**GOOD_DAY, "complaints": 1}

    part = _part(health_score(VERIFIED, counts, CLEAN), "engagement")

    assert part.points == 20
    assert any("spam rate" in r for r in part.reasons)


def test_too_few_sends_judge_no_rate():
    counts = {"sent": 5, "bounced": 3}

    score = health_score(VERIFIED, counts, CLEAN)

    deliverability = _part(score, "deliverability")
    assert deliverability.points == 30
    assert deliverability.inputs["bounce_rate"] is None
    assert "not enough mail to judge" in deliverability.reasons[0]


def test_a_listing_an_open_breaker_and_a_paused_mailbox_cost_infrastructure():
    facts = Infrastructure(
        ["active", "paused"], ["open"], {"192.0.2.10@zen.test": "listed", "d@zen.test": "unknown"}
    )

    part = _part(health_score(VERIFIED, GOOD_DAY, facts), "infrastructure")

    assert part.points == 4  # half the mailboxes sending, breaker open, listed
    assert "listed on 192.0.2.10@zen.test" in part.reasons
    assert "SMTP circuit open" in part.reasons


def test_an_unanswered_blacklist_check_counts_half():
    facts = Infrastructure(["active"], ["closed"], {"d@zen.test": "unknown"})

    assert _part(health_score(VERIFIED, GOOD_DAY, facts), "infrastructure").points == 17
