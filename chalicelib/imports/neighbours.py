"""Adapters to other features, each reached through its public surface on first use: the
contacts feature's directory as the ``ContactWriter`` (and ``sending.suppressed_among``), and
the records of a tenant export that other features hold (templates, suppressions), plus
the import jobs themselves.

Each feature is imported when first called, so loading this module costs nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.pagination import every_item
from chalicelib.core.tenancy import system_context

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from chalicelib.imports.ports import ImportJobs, Upserted
    from chalicelib.imports.rules.rows import Draft

PAGE = 100


class DirectoryWriter:
    """``ContactWriter`` over ``contacts.directory()`` and ``sending.suppressed_among``."""

    def upsert_many(self, tenant_id: str, drafts: Sequence[Draft]) -> Sequence[Upserted]:
        from chalicelib import contacts

        made = [
            contacts.ContactDraft(
                email=d.email,
                first_name=d.first_name,
                last_name=d.last_name,
                company=d.company,
                time_zone=d.time_zone,
                tags=d.tags,
                fields=dict(d.fields),
                lists=d.lists,
            )
            for d in drafts
        ]
        outcomes: Sequence[Upserted] = contacts.directory().upsert_many(tenant_id, made)
        return outcomes

    def field_types(self, tenant_id: str) -> dict[str, str]:
        from chalicelib import contacts

        return dict(contacts.directory().field_types(tenant_id))

    def list_exists(self, tenant_id: str, list_id: str) -> bool:
        from chalicelib import contacts

        return contacts.directory().list_exists(tenant_id, list_id)

    def suppressed(self, tenant_id: str, addresses: Sequence[str]) -> set[str]:
        from chalicelib import sending

        return set(sending.suppressed_among(tenant_id, addresses))


def templates(tenant_id: str) -> Iterator[dict[str, Any]]:
    from chalicelib.templates import template_store

    store = template_store()
    ctx = system_context(tenant_id, actor="export")
    for listed in every_item(lambda token: store.list(ctx, PAGE, token)):
        template = store.get(ctx, listed.template_id)
        if template is not None:
            yield template.to_public()


def suppressions(tenant_id: str) -> Iterator[dict[str, Any]]:
    from chalicelib import sending

    store = sending.suppressions()
    for entry in every_item(lambda token: store.list(tenant_id, PAGE, token)):
        yield entry.to_public()


def import_jobs(jobs: ImportJobs) -> Callable[[str], Iterator[dict[str, Any]]]:
    def records(tenant_id: str) -> Iterator[dict[str, Any]]:
        for job in every_item(lambda token: jobs.list(tenant_id, PAGE, token)):
            yield job.to_public()

    return records
