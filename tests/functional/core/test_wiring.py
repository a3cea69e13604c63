"""The wiring registry and the table binding, over the template's stack in moto: every
provider can be replaced by name and the replacement is what callers get, bundles are built
around replaced pieces, unknown names are refused, and every table the template declares is
used by a store bound to the one shared DynamoDB client."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import sys

import pytest
from pynamodb.models import Model

import chalicelib
from chalicelib.aws import clients, dynamodb
from chalicelib.core import wiring
from chalicelib.core.settings import settings
from infrastructure.local import template as tpl


def _import_everything() -> None:
    """Every module of the package, so every provider, model and table is declared."""
    for info in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
        importlib.import_module(info.name)


_import_everything()
# A bundle and, for each of its fields, the provider that must fill it.
BUNDLES = {
    "accounts.ports": {
        "tenants": "accounts.tenants",
        "api_keys": "accounts.api_keys",
        "audit": "accounts.audit",
        "counters": "analytics.counters",
        "clock": "core.clock",
    },
    "accounts.notifier_ports": {
        "claims": "accounts.claims",
        "relay": "accounts.relay",
        "clock": "core.clock",
    },
    "domains.ports": {
        "domains": "domains.store",
        "secrets": "aws.secret_store",
        "keys": "domains.dkim_keys",
        "clock": "core.clock",
    },
    "mailboxes.ports": {
        "mailboxes": "mailboxes.store",
        "domains": "domains.store",
        "secrets": "aws.secret_store",
        "probe": "mailboxes.probe",
        "counters": "analytics.counters",
        "clock": "core.clock",
    },
    "templates.ports": {"templates": "templates.store", "clock": "core.clock"},
    "contacts.ports": {
        "contacts": "contacts.store",
        "lists": "contacts.lists",
        "clock": "core.clock",
        "suppressions": "contacts.erased_suppressions",
    },
    "sending.message_ports": {
        "messages": "sending.messages",
        "bodies": "sending.bodies",
        "mailboxes": "mailboxes.store",
        "domains": "domains.store",
        "templates": "templates.store",
        "counters": "analytics.counters",
        "queue": "sending.queues",
        "clock": "core.clock",
    },
    "sending.send_ports": {
        "messages": "sending.messages",
        "bodies": "sending.bodies",
        "tenants": "accounts.tenants",
        "mailboxes": "mailboxes.store",
        "domains": "domains.store",
        "counters": "analytics.counters",
        "suppressions": "sending.suppressions",
        "cooldowns": "sending.cooldowns",
        "queues": "sending.queues",
        "clock": "core.clock",
    },
    "sending.unsubscribe_ports": {
        "messages": "sending.messages",
        "suppressions": "sending.suppressions",
        "clock": "core.clock",
    },
    "inbound.ports": {
        "messages": "sending.messages",
        "inbound": "inbound.store",
        "suppressions": "sending.suppressions",
        "clock": "core.clock",
    },
    "tracking.ports": {
        "clock": "core.clock",
        "recent_clicks": "tracking.recent_clicks",
    },
}


class Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Sentinel({self.name})"


@pytest.mark.parametrize("name", wiring.names())
def test_every_provider_can_be_replaced_by_name(aws, name):
    # given a replacement for one provider
    replacement = Sentinel(name)
    # when it is overridden by name, then the provider (and a lookup by name) return it
    wiring.override(name, replacement)
    assert wiring.get(name)() is replacement
    # and after a reset the real one is built again
    wiring.reset()
    assert wiring.get(name)() is not replacement


@pytest.mark.parametrize("bundle", sorted(BUNDLES))
def test_a_bundle_is_built_around_the_pieces_replaced_after_it_was_first_built(aws, bundle):
    # given the bundle built once with the real pieces
    first = wiring.get(bundle)()
    # when every piece it needs is replaced by name
    for name in BUNDLES[bundle].values():
        wiring.override(name, Sentinel(name))
    rebuilt = wiring.get(bundle)()
    # then the bundle holds the replacements, not what it was first built with
    assert rebuilt is not first
    for field, name in BUNDLES[bundle].items():
        value = getattr(rebuilt, field)
        assert isinstance(value, Sentinel) and value.name == name, (bundle, field)


def test_the_bundles_fields_are_all_named_above():
    """A new port in a bundle must be added to BUNDLES (or be a plain value)."""
    for bundle, named in BUNDLES.items():
        built_from = {f.name for f in dataclasses.fields(wiring.get(bundle)())}
        assert set(named) <= built_from, bundle


def test_an_unknown_name_is_refused_not_ignored():
    with pytest.raises(KeyError, match="no provider named 'sending.mesages'"):
        wiring.override("sending.mesages", object())


def test_every_table_of_the_template_is_declared_by_a_store():
    resources = tpl.load()["Resources"]
    tables = {lid for lid, r in resources.items() if r["Type"] == "AWS::DynamoDB::Table"}
    assert set(dynamodb.declared_tables()) == tables


def test_every_pynamodb_model_is_declared_and_bound_to_the_shared_client(aws):
    declared = dynamodb.declared_models()
    models = {
        obj
        for module in list(sys.modules.values())
        if getattr(module, "__name__", "").startswith("chalicelib.")
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, Model) and obj is not Model
    }
    assert models and models <= set(declared), models - set(declared)
    dynamodb.bind_models()
    for model, table in declared.items():
        assert model.Meta.table_name == settings().table(table)
        assert model._get_connection().connection._client is clients.dynamodb()


def test_every_low_level_table_is_bound_to_the_shared_client(aws):
    for ref in dynamodb.declared_refs():
        table = ref.bind()
        assert table.name == settings().table(ref.table)
        assert table.client is clients.dynamodb()


def test_a_reset_rebinds_the_models_to_the_new_client(aws):
    dynamodb.bind_models()
    model = next(iter(dynamodb.declared_models()))
    before = model._get_connection().connection._client
    wiring.reset()
    dynamodb.bind_models()
    assert model._get_connection().connection._client is clients.dynamodb() is not before


def test_an_override_keeps_the_shared_clients_so_adapters_built_before_and_after_agree(aws):
    # given the messages store built with the shared DynamoDB client
    client = clients.dynamodb()
    wiring.get("sending.messages")()
    # when another provider is overridden
    wiring.override("core.clock", Sentinel("core.clock"))
    # then the clients stay (what the earlier adapter holds is what later ones get) ...
    assert clients.dynamodb() is client
    # ... while overriding a client itself drops everything built from it
    wiring.override("aws.session", Sentinel("aws.session"))
    assert "aws.dynamodb" not in wiring._built
