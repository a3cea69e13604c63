import pytest

from chalicelib.core import pagination
from chalicelib.core.errors import BadRequest


def test_tokens_round_trip():
    token = pagination.encode_token({"sk": "2026-11-28T00:00:00.000Z#aud_x"})
    assert pagination.decode_token(token, {"sk"}) == {"sk": "2026-11-28T00:00:00.000Z#aud_x"}
    assert pagination.encode_token(None) is None
    assert pagination.decode_token(None, {"sk"}) is None


@pytest.mark.parametrize(
    "token",
    [
        "%%%",
        "bm90IGpzb24",
        pagination.encode_token({"tenant_id": "x"}),
        pagination.encode_token({"sk": "x" * 300}),
        "e30",
    ],
)
def test_foreign_or_tampered_tokens_are_refused(token):
    with pytest.raises(BadRequest) as err:
        pagination.decode_token(token, {"sk"})
    assert err.value.details["field"] == "next_token"


@pytest.mark.parametrize("raw,expected", [(None, 50), ("", 50), ("1", 1), ("100", 100)])
def test_limit_defaults_and_bounds(raw, expected):
    assert pagination.parse_limit(raw) == expected


@pytest.mark.parametrize("raw", ["0", "101", "-1", "ten", "1.5"])
def test_bad_limits_name_the_field(raw):
    with pytest.raises(BadRequest) as err:
        pagination.parse_limit(raw)
    assert err.value.details["field"] == "limit"
