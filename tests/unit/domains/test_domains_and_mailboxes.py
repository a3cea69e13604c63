"""Domain and mailbox rules without I/O."""

from datetime import UTC, datetime

import pytest

from chalicelib.core.errors import Conflict, UnprocessableEntity, ValidationFailed
from chalicelib.domains.rules import domains
from chalicelib.domains.rules.verification import RecordCheck
from chalicelib.mailboxes import rules as mailboxes

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
KEY = domains.DkimKey("pm20261128", "AAAA", "active", "2026-11-28T12:00:00.000Z")


def _domain(**changes):
    base = domains.new_domain(
        "ten_x", "acme.test", "manual", ("192.0.2.1",), (), KEY, "2026-11-28T12:00:00.000Z"
    )
    return domains.replace(base, **changes) if changes else base


def _check(name, status):
    return RecordCheck("dkim", name, "TXT", status, "", "", [])


def test_selectors_are_dated_and_never_reused():
    assert domains.new_selector(NOW, set()) == "pm20261128"
    assert domains.new_selector(NOW, {"pm20261128"}) == "pm20261128b"


def test_server_ips_must_be_addresses():
    assert domains.check_server_ips(["192.0.2.1", "192.0.2.1", "2001:db8::1"]) == (
        "192.0.2.1",
        "2001:db8::1",
    )
    for bad in (["mail.acme.test"], ["0.0.0.0"], ["224.0.0.1"]):
        with pytest.raises(ValidationFailed):
            domains.check_server_ips(bad)


def test_a_verified_domain_that_fails_is_blocked_until_it_passes():
    verified = domains.apply_checks(_domain(), "verified", [], "t1", "t2")
    assert verified.can_send and verified.verified_at == "t1"
    failed = domains.apply_checks(verified, "failed", [], "t3", "t4")
    assert failed.sending_blocked and not failed.can_send
    still = domains.apply_checks(failed, "failed", [], "t5", "t6")
    assert still.sending_blocked
    back = domains.apply_checks(still, "verified", [], "t7", "t8")
    assert back.can_send and not back.sending_blocked


def test_a_new_domain_that_fails_is_not_flagged():
    assert not domains.apply_checks(_domain(), "failed", [], "t1", "t2").sending_blocked


def test_rotation_promotes_the_pending_key_only_once_its_record_verifies():
    pending = domains.DkimKey("pm20261128b", "BBBB", "pending", "t")
    rotating = domains.start_rotation(_domain(), pending)
    with pytest.raises(Conflict):
        domains.start_rotation(rotating, pending)
    name = "pm20261128b._domainkey.acme.test"
    waiting = domains.apply_checks(rotating, "verified", [_check(name, "failed")], "t1", "t2")
    assert waiting.key("pending") == pending
    done = domains.apply_checks(rotating, "verified", [_check(name, "verified")], "t1", "t2")
    assert done.key("active").selector == "pm20261128b"
    assert done.key("retired").selector == "pm20261128" and done.key("pending") is None


def test_dmarc_is_staged_by_the_domains_age_and_listed_at_the_stage_asked_for():
    assert domains.dmarc_due(_domain(), NOW) == "none"
    assert domains.dmarc_due(_domain(created_at="2026-08-01T00:00:00.000Z"), NOW) == "reject"
    params = domains.DomainParams("t.pm.test", "r@pm.test")
    assert "p=none" in domains.dmarc_record(_domain(), params, "none").value
    assert "p=reject" in domains.dmarc_record(_domain(), params, "reject").value


SMTP = mailboxes.ServerSettings("smtp.acme.test", 587, "starttls", "a@acme.test", "secret/name")


def _mailbox():
    return mailboxes.new_mailbox(
        "ten_x", "mbx_1", "a@acme.test", "A", "dom_1", SMTP, None, 50, "t0"
    )


def test_mailbox_addresses_must_be_on_a_tenant_domain():
    assert mailboxes.ensure_on_domain("a@Acme.test", {"acme.test": "dom_1"}) == "dom_1"
    with pytest.raises(UnprocessableEntity):
        mailboxes.ensure_on_domain("a@other.test", {"acme.test": "dom_1"})


def test_pausing_records_who_and_why_and_resuming_clears_it():
    paused = mailboxes.change(_mailbox(), {"status": "paused", "reason": "bounces"}, "key_1", "t1")
    assert (paused.status, paused.paused_by, paused.pause_reason) == ("paused", "key_1", "bounces")
    resumed = mailboxes.change(paused, {"status": "active"}, "key_2", "t2")
    assert (resumed.paused_by, resumed.pause_reason) == (None, None)
    with pytest.raises(Conflict):
        mailboxes.change(paused, {"status": "warming"}, "key_1", "t3")


def test_a_failed_test_marks_the_mailbox_in_error_and_a_pass_clears_it():
    steps = [{"name": "connect", "ok": True}, {"name": "auth", "ok": False}]
    failed = mailboxes.record_test(_mailbox(), steps, False, "t1")
    assert failed.status == "error" and failed.last_test["failed_step"] == "auth"
    fixed = mailboxes.record_test(failed, steps[:1], True, "t2")
    assert fixed.status == "active" and fixed.last_test["failed_step"] is None
    assert "secret" not in str(fixed.to_public()["smtp"].values())
