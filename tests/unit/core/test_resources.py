"""The one mapping (``core.resources``) against the one declaration (the template): every
output has a source of the right kind, every table follows the naming that makes it need no
entry, every setting has a source, every table's partition key is the tenant id (one documented
exception), and every function's environment names the same output the mapping does."""

from __future__ import annotations

from dataclasses import fields

import pytest

from chalicelib.core.resources import (
    RESOURCE_KINDS,
    SOURCES,
    env_from_outputs,
    environment,
    is_table,
    stack_sources,
    table_default,
    table_env,
)
from chalicelib.core.settings import Settings, load_settings
from infrastructure.local import template as tpl

TEMPLATE = tpl.load()
RESOURCES = TEMPLATE["Resources"]
OUTPUTS = TEMPLATE["Outputs"]
NOT_SETTINGS = {"ApiRoleArn"}  # read by the deploy itself (chalice's role), not by the code
TABLES = sorted(lid for lid, r in RESOURCES.items() if r["Type"] == "AWS::DynamoDB::Table")


def _ref(value: object) -> str:
    assert isinstance(value, dict) and set(value) == {"Ref"}, value
    return str(value["Ref"])


def test_every_setting_has_a_source_and_every_source_a_setting():
    assert {f.name for f in fields(Settings)} - {"tables"} == set(SOURCES)


def test_every_output_the_code_needs_has_one_source():
    by_output = {s.output: name for name, s in stack_sources().items()}
    assert len(by_output) == len(stack_sources()), "two settings read one output"
    tables = {output for output in OUTPUTS if is_table(output)}
    assert not tables & set(by_output), "a table is read by naming, not listed"
    assert set(OUTPUTS) - NOT_SETTINGS == set(by_output) | tables


@pytest.mark.parametrize(("name", "source"), sorted(stack_sources().items()))
def test_each_source_names_an_output_of_its_kind(name, source):
    target = _ref(OUTPUTS[source.output]["Value"])
    if source.kind == "parameter":
        assert target in TEMPLATE["Parameters"], name
    else:
        assert RESOURCES[target]["Type"] == RESOURCE_KINDS[source.kind], name
    assert source.kind != "table", "tables are not listed: they follow the naming"


@pytest.mark.parametrize("table", TABLES)
def test_each_table_is_named_so_the_code_finds_it_without_a_list(table):
    # its logical id says it is a table, its output has the same name and is the table ...
    assert is_table(table)
    assert _ref(OUTPUTS[table]["Value"]) == table
    # ... and its name is the one the code falls back to
    assert RESOURCES[table]["Properties"]["TableName"] == {
        "Fn::Sub": table_default(table).replace("{stage}", "${Stage}")
    }


# Keyed by the domain name: one owner per name, the item holds only the owner's ids (README).
# Keyed by API Gateway's connection id: a WebSocket connection has no tenant before its first
# message, and $disconnect names only the connection (its subscriptions are tenant-led).
NOT_TENANT_LED = {"DomainClaimsTable", "RealtimeConnectionsTable"}


@pytest.mark.parametrize("table", TABLES)
def test_every_table_is_keyed_by_the_tenant_first(table):
    # IAM's dynamodb:LeadingKeys isolates tenants only if the tenant id is the partition key
    keys = RESOURCES[table]["Properties"]["KeySchema"]
    partition = next(k["AttributeName"] for k in keys if k["KeyType"] == "HASH")
    assert (partition == "tenant_id") is (table not in NOT_TENANT_LED), (table, partition)


def test_every_output_named_like_a_table_is_one():
    for output in OUTPUTS:
        if is_table(output):
            assert _ref(OUTPUTS[output]["Value"]) in TABLES, output


def test_a_tables_variable_and_default_name_come_from_its_name():
    assert table_env("DomainClaimsTable") == "PM_DOMAIN_CLAIMS_TABLE"
    assert table_default("DomainClaimsTable") == "penguinmails-{stage}-domain-claims"
    assert table_env("ApiKeysTable") == "PM_API_KEYS_TABLE"
    assert table_env("SmsDLQTable") == "PM_SMS_DLQ_TABLE"
    with pytest.raises(ValueError, match="not a table"):
        table_env("messages_table")
    with pytest.raises(ValueError, match="not a table"):
        table_default("Table")


def test_settings_read_a_tables_variable_or_fall_back_to_the_templates_name(monkeypatch):
    for name, source in SOURCES.items():
        if source.default is None:
            monkeypatch.setenv(source.env, f"set-{name}")
    monkeypatch.setenv("PM_STAGE", "dev")
    monkeypatch.setenv("PM_MESSAGES_TABLE", "  messages-from-the-stack ")
    monkeypatch.delenv("PM_DOMAIN_CLAIMS_TABLE", raising=False)
    s = load_settings()
    assert s.table("MessagesTable") == "messages-from-the-stack"
    assert s.table("DomainClaimsTable") == "penguinmails-dev-domain-claims"
    with pytest.raises(ValueError, match="not a table"):
        s.table("messages")


def _functions() -> list[tuple[str, dict]]:
    return [(lid, r) for lid, r in RESOURCES.items() if r["Type"] == "AWS::Lambda::Function"]


@pytest.mark.parametrize(("lid", "function"), _functions())
def test_each_function_environment_agrees_with_the_mapping(lid, function):
    by_env = env_from_outputs(OUTPUTS)
    platform = {s.env for s in SOURCES.values() if s.output is None}
    for env, value in function["Properties"]["Environment"]["Variables"].items():
        if env in platform or env.startswith("POWERTOOLS_"):
            continue  # a platform setting the function is given directly
        assert env in by_env, f"{lid}: {env} is no setting's variable"
        assert _ref(value) == _ref(OUTPUTS[by_env[env]]["Value"]), f"{lid}: {env}"


def test_the_environment_of_a_stack_is_its_outputs_by_variable():
    outputs = {name: f"value-of-{name}" for name in set(OUTPUTS) - NOT_SETTINGS}
    env = environment(outputs)
    assert env["PM_TEMPLATES_TABLE"] == "value-of-TemplatesTable"
    assert env["PM_NOTIFICATIONS_DLQ_URL"] == "value-of-NotificationsDLQUrl"
    assert len(env) == len(outputs)
    assert "PM_BUCKET" not in environment({})
    assert "PM_TEMPLATES_TABLE" not in environment({})
