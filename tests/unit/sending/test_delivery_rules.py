"""SMTP outcomes, retries and suppression as PRODUCT.md fixes them."""

import random

import pytest

from chalicelib.sending.rules import delivery as rules


@pytest.mark.parametrize(
    "code,text,kind",
    [
        (250, "2.0.0 OK queued", "sent"),
        (550, "5.1.1 user unknown", "bounced"),
        (451, "4.3.0 try later", "deferred"),
        (None, "timed out", "deferred"),
        (421, "421-4.7.28 Our system has detected an unusual rate", "deferred"),
    ],
)
def test_replies_are_classified(code, text, kind):
    assert rules.classify(code, text, "someone@example.test").kind == kind


def test_provider_throttling_is_recognised_per_provider():
    gmail = rules.classify(421, "4.7.28 unusual rate of unsolicited mail", "a@gmail.com")
    assert gmail.kind == "throttled" and gmail.enhanced == "4.7.28"
    outlook = rules.classify(
        451, "4.7.650 The mail server IP is temporarily rate limited", "b@sub.outlook.com"
    )
    assert outlook.kind == "throttled"
    assert rules.classify(451, "4.7.650 limited", "c@example.test").kind == "deferred"


def test_backoff_grows_from_30_seconds_to_the_15_minute_cap_with_jitter():
    rng = random.Random(7)
    delays = [rules.retry_delay(n, rng) for n in range(1, rules.MAX_ATTEMPTS)]
    assert 15 <= delays[0] <= 30
    assert all(d <= rules.CAP_SECONDS for d in delays)
    assert delays[-1] >= rules.CAP_SECONDS / 2
    assert rules.retry_delay(rules.MAX_ATTEMPTS) is None
    assert rules.retry_delay(1, random.Random(1), scale=0.01) <= 0.3


def test_hard_bounces_suppress_at_once_soft_after_three_in_a_row():
    hard = rules.classify(550, "5.1.1 no such user", "a@example.test")
    full = rules.classify(552, "5.2.2 mailbox full", "a@example.test")
    assert hard.final and not hard.soft and rules.suppress_after(hard, 0)
    assert full.soft
    assert not rules.suppress_after(full, 2) and rules.suppress_after(full, 3)
    assert not rules.suppress_after(rules.classify(250, "ok", "a@example.test"), 9)
