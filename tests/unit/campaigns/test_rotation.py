"""Inbox rotation: a new contact goes to the healthy mailbox with the most left today, a
contact already sent to keeps its mailbox or waits for it."""

import pytest

from chalicelib.campaigns.rules.rotation import pick_mailbox

ALLOWED = ["mbx_a", "mbx_b", "mbx_c"]
ALL_HEALTHY = dict.fromkeys(ALLOWED, True)


def test_a_new_contact_gets_the_mailbox_with_the_most_remaining():
    capacity = {"mbx_a": 3, "mbx_b": 9, "mbx_c": 5}
    assert pick_mailbox(None, capacity, ALL_HEALTHY, ALLOWED) == "mbx_b"


@pytest.mark.parametrize(
    ("allowed", "expected"),
    [(["mbx_a", "mbx_b", "mbx_c"], "mbx_b"), (["mbx_c", "mbx_b", "mbx_a"], "mbx_c")],
)
def test_ties_go_to_the_first_in_the_rotation_order(allowed, expected):
    capacity = {"mbx_a": 2, "mbx_b": 7, "mbx_c": 7}
    assert pick_mailbox(None, capacity, ALL_HEALTHY, allowed) == expected


def test_unhealthy_full_unknown_and_foreign_mailboxes_are_passed_over():
    capacity = {"mbx_a": 50, "mbx_b": 0, "mbx_c": 1, "mbx_other": 99}
    healthy = {"mbx_a": False, "mbx_b": True, "mbx_c": True, "mbx_other": True}
    assert pick_mailbox(None, capacity, healthy, ALLOWED) == "mbx_c"
    assert pick_mailbox(None, capacity, {"mbx_b": True}, ALLOWED) is None  # health unknown
    assert pick_mailbox(None, {"mbx_a": 5}, ALL_HEALTHY, ALLOWED) == "mbx_a"  # others unknown


def test_nothing_to_send_from_is_none():
    assert pick_mailbox(None, dict.fromkeys(ALLOWED, 0), ALL_HEALTHY, ALLOWED) is None
    assert pick_mailbox(None, {}, {}, []) is None


def test_a_follow_up_keeps_its_mailbox_even_when_another_has_more():
    capacity = {"mbx_a": 1, "mbx_b": 90, "mbx_c": 90}
    assert pick_mailbox("mbx_a", capacity, ALL_HEALTHY, ALLOWED) == "mbx_a"


@pytest.mark.parametrize(
    ("capacity", "healthy", "allowed"),
    [
        ({"mbx_a": 0, "mbx_b": 90}, ALL_HEALTHY, ALLOWED),  # its cap is reached today
        ({"mbx_a": 9, "mbx_b": 90}, {**ALL_HEALTHY, "mbx_a": False}, ALLOWED),  # unhealthy
        ({"mbx_a": 9, "mbx_b": 90}, ALL_HEALTHY, ["mbx_b", "mbx_c"]),  # left the rotation
    ],
)
def test_a_follow_up_whose_mailbox_cannot_send_waits_instead_of_switching(
    capacity, healthy, allowed
):
    assert pick_mailbox("mbx_a", capacity, healthy, allowed) is None


def test_thirty_contacts_spread_evenly_and_a_daily_cap_carries_the_rest():
    capacity = dict.fromkeys(ALLOWED, 5)
    picked = []
    for _ in range(30):
        mailbox = pick_mailbox(None, capacity, ALL_HEALTHY, ALLOWED)
        picked.append(mailbox)
        if mailbox is not None:
            capacity[mailbox] -= 1
    assert [picked.count(m) for m in ALLOWED] == [5, 5, 5]
    assert picked[:3] == ALLOWED  # round robin while capacities are level
    assert picked[15:] == [None] * 15
