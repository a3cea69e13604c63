from chalicelib.accounts.rules import keys as api_keys


def test_minted_key_is_prefixed_and_stored_only_as_its_hash():
    token, record = api_keys.mint_key(
        "ten_abcdefghijklmnopqrst", "ci", "full", "2026-11-28T00:00:00Z"
    )
    assert token.startswith("pm_live_abcdefghijklmnopqrst_")
    assert token not in repr(record)
    assert record.key_hash == api_keys.hash_key(token)
    assert record.prefix == token[:16]


def test_the_secret_part_carries_32_random_bytes():
    import base64

    token, _ = api_keys.mint_key("ten_abcdefghijklmnopqrst", "ci", "full", "now")
    secret = token[len("pm_live_abcdefghijklmnopqrst_") :]
    assert len(base64.urlsafe_b64decode(secret + "=")) == 32


def test_parsing_a_key_gives_its_storage_coordinates():
    token, record = api_keys.mint_key("ten_abcdefghijklmnopqrst", "ci", "send", "now")
    parsed = api_keys.parse_key(token)
    assert parsed is not None
    assert (parsed.tenant_id, parsed.key_id) == (record.tenant_id, record.key_id)
    assert api_keys.matches(record, parsed.key_hash)


def test_two_keys_never_share_an_id():
    ids = {
        api_keys.mint_key("ten_abcdefghijklmnopqrst", "k", "full", "now")[1].key_id
        for _ in range(200)
    }
    assert len(ids) == 200


def test_tampered_or_foreign_keys_do_not_parse_or_match():
    token, record = api_keys.mint_key("ten_abcdefghijklmnopqrst", "ci", "full", "now")
    for bad in [
        "",
        "pm_live_",
        "sk_live_x",
        token[:-1],
        token + "A",
        "pm_live_ABC_" + "a" * 43,
        token.replace("pm_live_", "pm_test_"),
        "Bearer " + token,
    ]:
        assert api_keys.parse_key(bad) is None
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    parsed = api_keys.parse_key(flipped)
    assert parsed is not None and parsed.key_id != record.key_id


def test_send_scope_reaches_only_send_routes():
    assert api_keys.scope_allows("full", "full")
    assert api_keys.scope_allows("full", "send")
    assert api_keys.scope_allows("send", "send")
    assert not api_keys.scope_allows("send", "full")


def test_public_view_never_holds_the_hash():
    _, record = api_keys.mint_key("ten_abcdefghijklmnopqrst", "ci", "full", "now")
    public = record.to_public()
    assert "key_hash" not in public and record.key_hash not in public.values()
    assert public["status"] == "active"
