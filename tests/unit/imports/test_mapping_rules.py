"""Which column fills which attribute: explicit mappings win, common names are inferred,
declared custom fields match by name, the rest is ignored and reported."""

from __future__ import annotations

from chalicelib.imports.rules.mapping import inferred, mapping_problems, resolve

TYPES = {"deal_size": "number", "renewal": "date", "notes": "string"}


def test_common_header_names_are_inferred():
    names = {
        "email": ["Email", "E-Mail", "email address", "E-mail Address", "EMAIL_ADDRESS"],
        "first_name": ["First Name", "firstname", "Given name", "first_name"],
        "last_name": ["Last Name", "Surname", "lastname"],
        "company": ["Company", "Organisation", "organization"],
        "time_zone": ["Time Zone", "timezone", "TZ"],
        "tags": ["Tags"],
    }
    for target, headers in names.items():
        for header in headers:
            assert inferred(header, {}) == target, header


def test_other_columns_match_declared_custom_fields_by_name_or_are_ignored():
    columns = resolve(["Email", "Deal Size", "renewal", "Favourite colour"], {}, TYPES)
    assert columns.named(["Email", "Deal Size", "renewal", "Favourite colour"]) == {
        "Email": "email",
        "Deal Size": "deal_size",
        "renewal": "renewal",
    }
    assert columns.ignored == ("Favourite colour",)
    assert columns.has_email


def test_an_explicit_mapping_wins_and_null_ignores_a_column():
    header = ["Adresse", "Email", "Firma"]
    columns = resolve(header, {"Adresse": "email", "Email": None, "firma": "company"}, TYPES)
    assert columns.named(header) == {"Adresse": "email", "Firma": "company"}
    assert columns.ignored == ("Email",)


def test_two_columns_for_one_attribute_keep_the_first_and_say_so():
    columns = resolve(["email", "Email Address"], {}, {})
    assert columns.targets == {0: "email"}
    assert columns.ignored == ("Email Address",)
    assert any("also maps to email" in n for n in columns.notes)


def test_no_email_column_is_known_and_a_mapped_column_the_file_lacks_is_noted():
    columns = resolve(["name", "company"], {"Mail": "email"}, {})
    assert not columns.has_email
    assert any("'Mail'" in n for n in columns.notes)


def test_a_mapping_target_must_be_an_attribute_or_a_declared_field():
    problems = mapping_problems(
        {"A": "email", "B": "deal_size", "C": "shoe_size", "D": None}, TYPES
    )
    assert list(problems) == ["mapping.C"]
