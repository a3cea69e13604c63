"""The ``TemplateStore`` contract: ``FakeTemplates`` and ``DynamoTemplateRepository`` (items
in DynamoDB, bodies in S3) pass the same tests."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.core import ids
from chalicelib.core.errors import BadRequest
from chalicelib.core.pagination import decode_token
from chalicelib.core.tenancy import TenantContext
from chalicelib.templates.ports import TemplateStore
from chalicelib.templates.rules.templates import Template
from tests.fakes.templates import FakeTemplates
from tests.functional.twins import TWINS, new_tenant, twin, walk

NOW = "2026-11-28T12:00:00.000Z"


@pytest.fixture(params=TWINS)
def store(request) -> TemplateStore:
    def real() -> TemplateStore:
        from chalicelib.templates.wiring import store

        return store()

    return twin(request, FakeTemplates, real)


@pytest.fixture
def ctx() -> TenantContext:
    return new_tenant()


def _template(ctx: TenantContext, name: str = "Intro") -> Template:
    return Template(
        ctx.tenant_id,
        ids.new_id("tpl"),
        name,
        "Hi {{ first_name }}",
        "<p>Hello {{ first_name }} at {{ company }}</p>",
        "Hello {{ first_name }}",
        ("company", "first_name"),
        NOW,
        NOW,
    )


def _saved(store: TemplateStore, ctx: TenantContext, count: int) -> list[Template]:
    templates = [_template(ctx, f"T{n}") for n in range(count)]
    for t in templates:
        store.save(ctx, t)
    return sorted(templates, key=lambda t: t.template_id)


def _bodiless(templates: list[Template]) -> list[Template]:
    return [replace(t, html=None, text=None) for t in templates]


def test_a_saved_template_reads_back_with_its_bodies(store, ctx):
    template = _template(ctx)
    store.save(ctx, template)
    assert store.get(ctx, template.template_id) == template


def test_a_text_only_template_keeps_no_html(store, ctx):
    template = replace(_template(ctx), html=None)
    store.save(ctx, template)
    assert store.get(ctx, template.template_id) == template


def test_saving_again_replaces_metadata_and_bodies(store, ctx):
    # given
    template = _template(ctx)
    store.save(ctx, template)
    changed = replace(template, name="Renamed", html=None, text="Bye", variables=(), updated_at="x")

    # when
    store.save(ctx, changed)

    # then
    assert store.get(ctx, template.template_id) == changed
    assert store.list(ctx, 10, None).items == _bodiless([changed])


def test_an_unknown_or_foreign_id_is_not_found(store, ctx):
    template = _template(ctx)
    store.save(ctx, template)
    other = new_tenant()
    assert store.get(ctx, ids.new_id("tpl")) is None
    assert store.get(other, template.template_id) is None
    assert store.list(other, 10, None).items == []


def test_templates_list_in_id_order_without_bodies(store, ctx):
    # given
    templates = _saved(store, ctx, 5)

    # when
    pages = walk(lambda token: store.list(ctx, 2, token))

    # then
    assert [p.items for p in pages] == [
        _bodiless(templates[0:2]),
        _bodiless(templates[2:4]),
        _bodiless(templates[4:]),
    ]
    assert [p.next_token is None for p in pages] == [False, False, True]
    assert decode_token(pages[0].next_token, {"sk"}) == {"sk": templates[1].template_id}


def test_a_full_last_page_has_no_token(store, ctx):
    templates = _saved(store, ctx, 4)
    pages = walk(lambda token: store.list(ctx, 2, token))
    assert [p.items for p in pages] == [_bodiless(templates[0:2]), _bodiless(templates[2:4])]
    assert store.list(ctx, 4, None).next_token is None


def test_a_token_this_store_did_not_issue_is_refused(store, ctx):
    with pytest.raises(BadRequest):
        store.list(ctx, 10, "%%%")


def test_a_deleted_template_is_gone(store, ctx):
    # given
    kept, gone = _saved(store, ctx, 2)

    # when
    store.delete(ctx, gone.template_id)

    # then
    assert store.get(ctx, gone.template_id) is None
    assert store.get(ctx, kept.template_id) == kept
    assert store.list(ctx, 10, None).items == _bodiless([kept])
    store.delete(ctx, gone.template_id)  # deleting twice does nothing
