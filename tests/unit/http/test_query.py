import pytest

from chalicelib.core.errors import BadRequest
from chalicelib.http.query import list_filters

ALLOWED = {"status": ("sent", "queued"), "to": None}


def test_only_the_routes_non_empty_filters_are_kept():
    query = {"status": "sent", "to": "", "limit": "5", "other": "x"}
    assert list_filters(query, ALLOWED, max_length=10) == {"status": "sent"}


@pytest.mark.parametrize(
    ("query", "field"), [({"status": "lost"}, "status"), ({"to": "x" * 11}, "to")]
)
def test_a_bad_filter_is_a_400_naming_it(query, field):
    with pytest.raises(BadRequest) as raised:
        list_filters(query, ALLOWED, max_length=10)
    assert raised.value.details == {"field": field}
