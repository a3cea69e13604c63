"""Real-world bounce recognition, measured on Sisimai's set-of-emails (``tests/corpora/sisimai``,
629 real bounces, complaints and auto-replies from many MTAs and providers, BSD 2-clause).

The table ``bounce_corpus_expectations.json`` holds, per file, the bounced recipients, hard or
soft, Sisimai's reason and status. It was derived once from Sisimai's own expectations: reason,
status and Sisimai's hard-bounce flag from the rb-sisimai tests (``test/public/<engine>.rb``,
one entry per bounced recipient), the recipient addresses from Sisimai 4.25.15 run over the same
files (the tests check only that a recipient is an address); files the rb-sisimai tests do not
list take all four from Sisimai 4.25.15. Files Sisimai does not count as bounces (ARF complaints,
RFC 3834 auto-replies, delivery receipts) are listed with ``excluded`` and the reason.

Hard or soft (PRODUCT.md: soft = mailbox full, greylisting, too large, transient; hard =
permanent), per recipient:
- hard when Sisimai flags it a hard bounce (userunknown, hostunknown, hasmoved, notaccept 5xx);
- soft when the reason is temporary by nature: mailboxfull, systemfull, exceedlimit,
  emailtoolarge/mesgtoobig (too large), toomanyconn, speeding/ratelimited (rate limits),
  expired (gave up after retrying); or when the status is 4.x.x, or the report is a delay
  notice (Sisimai's action ``delayed``);
- hard otherwise (a permanent 5.x.x refusal: filtered, rejected, blocked, spamdetected,
  policyviolation, suspend, securityerror, ...).
A file with several recipients is hard when any of them is (we keep one type per message).

A file is fully right when it is classified as a bounce, names exactly the expected recipients
and has the expected hard/soft. The goal is at least 95 % of the bounces fully right.
"""

from __future__ import annotations

import json
from pathlib import Path

from chalicelib.inbound.rules.classify import classify

CORPUS = Path(__file__).resolve().parents[2] / "corpora" / "sisimai"
TABLE = Path(__file__).with_name("bounce_corpus_expectations.json")
GOAL = 0.95
MAILBOX = "bounces@penguin.example"  # the mailbox the bounces arrive at (none of the corpus's)


def _expectations() -> dict[str, dict]:
    return json.loads(TABLE.read_text(encoding="utf-8"))["files"]


def _problems(name: str, expected: dict) -> list[str]:
    found = classify((CORPUS / name).read_bytes(), MAILBOX)
    problems = []
    if found.kind != "bounce":
        problems.append(f"kind {found.kind}")
    if sorted(set(found.recipients)) != expected["recipients"]:
        problems.append(f"recipients {sorted(found.recipients)} != {expected['recipients']}")
    if found.bounce_type != expected["bounce_type"]:
        problems.append(
            f"{found.bounce_type} != {expected['bounce_type']} "
            f"({expected['reason']} {expected['status']})"
        )
    return problems


def test_the_table_covers_every_file_of_the_corpus():
    files = {p.name for p in CORPUS.glob("*.eml")}
    assert files == set(_expectations())
    assert (CORPUS / "LICENSE").is_file()


def test_at_least_95_percent_of_real_bounces_are_fully_right():
    bounces = {n: e for n, e in _expectations().items() if "excluded" not in e}
    failures = {n: p for n, e in sorted(bounces.items()) if (p := _problems(n, e))}
    right = len(bounces) - len(failures)
    share = right / len(bounces)
    print(f"\nbounce corpus: {right}/{len(bounces)} fully right ({share:.1%})")
    listing = "\n".join(f"  {name}: {'; '.join(p)}" for name, p in failures.items())
    assert share >= GOAL, f"{right}/{len(bounces)} fully right ({share:.1%}); wrong:\n{listing}"


def test_what_sisimai_does_not_count_as_a_bounce_is_excluded_with_a_reason():
    excluded = {n: e["excluded"] for n, e in _expectations().items() if "excluded" in e}
    assert excluded and all(excluded.values())
    assert {e["reason"] for n, e in _expectations().items() if n in excluded} <= {
        "feedback",
        "vacation",
        "delivered",
    }
