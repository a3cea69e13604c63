"""Identifiers: shape and order."""


def test_sortable_ids_sort_by_creation_as_plain_strings_even_within_a_millisecond():
    from chalicelib.core import ids

    made = [ids.new_sortable_id("ctc") for _ in range(5000)]  # many share a millisecond
    assert made == sorted(made) and len(set(made)) == len(made)
    # across the alphabet's letter/digit boundary too ("z" then "2" in standard base32)
    stamped = [ids.new_sortable_id("msg", now_ms=m) for m in range(0, 2**45, 2**30 + 12345)]
    assert stamped == sorted(stamped)
    assert all(ids.is_well_formed(i, "msg") for i in stamped)
