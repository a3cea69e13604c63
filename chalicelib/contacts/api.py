"""Contacts routes: contacts (create, read, change, delete or erase, export, list with
filters), lists (create, read, rename, delete, add and remove members, read members) and
custom field definitions (declare, list)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.core.errors import BadRequest
from chalicelib.core.pagination import parse_limit, public_page
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply

if TYPE_CHECKING:
    from chalicelib.contacts import wiring
    from chalicelib.contacts.rules import contacts as rules
    from chalicelib.contacts.rules import filters
    from chalicelib.contacts.service import contacts as service
    from chalicelib.contacts.service import lists as list_service
    from chalicelib.contacts.service import privacy
    from chalicelib.http.views import Call
else:
    wiring = lazy.module("chalicelib.contacts.wiring")
    rules = lazy.module("chalicelib.contacts.rules.contacts")
    filters = lazy.module("chalicelib.contacts.rules.filters")
    service = lazy.module("chalicelib.contacts.service.contacts")
    list_service = lazy.module("chalicelib.contacts.service.lists")
    privacy = lazy.module("chalicelib.contacts.service.privacy")

bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]
M = "chalicelib.contacts.schemas."
PAGING = ("limit", "next_token")
ONE = "/contacts/{contact_id}"
LIST = "/lists/{list_id}"
READ = (401, 403, 404)


@route(
    bp,
    "/contacts",
    "POST",
    auth="full",
    tag="contacts",
    body=M + "CreateContact",
    reply=M + "ContactReply",
    status=201,
    action="contact.create",
    errors=(400, 401, 403, 409, 422),
    summary="Create a contact; an address the tenant has already is a 409 naming its contact.",
)
def create_contact(call: Call) -> Reply:
    b = call.body
    draft = rules.ContactDraft(
        b.email,
        b.first_name,
        b.last_name,
        b.company,
        b.time_zone,
        tuple(b.tags),
        b.fields,
        tuple(b.lists),
    )
    contact = service.create(wiring.ports(), call.tenant.tenant_id, draft)
    return Reply(contact.to_public(), 201, resource_id=contact.contact_id)


@route(
    bp,
    "/contacts",
    "GET",
    auth="full",
    tag="contacts",
    reply=M + "ContactPage",
    query=(*PAGING, "list_id", "tag", "status", "created_after", "created_before"),
    errors=(400, 401, 403, 422),
    summary="List contacts in creation order; filters: list, tag, status, created range.",
)
def list_contacts(call: Call) -> Reply:
    where = filters.parse_filters(call.query)
    limit, token = parse_limit(call.query.get("limit")), call.query.get("next_token")
    page = service.page(wiring.ports(), call.tenant.tenant_id, where, limit, token)
    return Reply(public_page(page))


@route(
    bp,
    ONE,
    "GET",
    auth="full",
    tag="contacts",
    reply=M + "ContactReply",
    errors=READ,
    summary="A contact.",
)
def get_contact(call: Call, contact_id: str) -> Reply:
    return Reply(service.find(wiring.ports(), call.tenant.tenant_id, contact_id).to_public())


@route(
    bp,
    ONE,
    "PATCH",
    auth="full",
    tag="contacts",
    body=M + "UpdateContact",
    reply=M + "ContactReply",
    action="contact.update",
    errors=(400, 401, 403, 404, 409, 422),
    summary="Change a contact: names, address, time zone, status, tags, fields (merged).",
)
def update_contact(call: Call, contact_id: str) -> Reply:
    changes = call.body.model_dump(exclude_unset=True)
    for name in ("email", "status", "tags", "fields"):
        if name in changes and changes[name] is None:
            raise BadRequest(f"{name} may not be null", {"field": name})
    contact = service.update(wiring.ports(), call.tenant.tenant_id, contact_id, changes)
    return Reply(contact.to_public(), resource_id=contact_id)


def _erase_flag(raw: str | None) -> bool:
    if raw in (None, "", "false"):
        return False
    if raw == "true":
        return True
    raise BadRequest("erase must be true or false", {"field": "erase"})


@route(
    bp,
    ONE,
    "DELETE",
    auth="full",
    tag="contacts",
    reply=M + "DeletedContact",
    query=("erase",),
    action="contact.delete",
    errors=(400, 401, 403, 404),
    summary="Delete a contact and its memberships; ?erase=true erases the person's data "
    "everywhere and keeps the address suppressed by its hash.",
)
def delete_contact(call: Call, contact_id: str) -> Reply:
    erase, tenant_id = _erase_flag(call.query.get("erase")), call.tenant.tenant_id
    if erase:
        sources = privacy.erase(wiring.ports(), tenant_id, contact_id)
    else:
        sources = {}
        service.delete(wiring.ports(), tenant_id, contact_id)
    body = {"id": contact_id, "deleted": True, "erased": erase, "sources": sources}
    return Reply(body, resource_id=contact_id)


@route(
    bp,
    ONE + "/export",
    "GET",
    auth="full",
    tag="contacts",
    reply=M + "ContactExport",
    errors=READ,
    summary="Everything held about the person: contact, lists, every source.",
)
def export_contact(call: Call, contact_id: str) -> Reply:
    return Reply(privacy.export(wiring.ports(), call.tenant.tenant_id, contact_id))


@route(
    bp,
    "/lists",
    "POST",
    auth="full",
    tag="lists",
    body=M + "CreateList",
    reply=M + "ListReply",
    status=201,
    action="list.create",
    errors=(400, 401, 403),
    summary="Create a contact list.",
)
def create_list(call: Call) -> Reply:
    b = call.body
    found = list_service.create(wiring.ports(), call.tenant.tenant_id, b.name, b.description)
    return Reply(found.to_public(), 201, resource_id=found.list_id)


@route(
    bp,
    "/lists",
    "GET",
    auth="full",
    tag="lists",
    reply=M + "ListPage",
    query=PAGING,
    errors=(400, 401, 403),
    summary="List contact lists in creation order.",
)
def list_lists(call: Call) -> Reply:
    limit, token = parse_limit(call.query.get("limit")), call.query.get("next_token")
    return Reply(public_page(wiring.lists().lists_page(call.tenant.tenant_id, limit, token)))


@route(
    bp,
    LIST,
    "GET",
    auth="full",
    tag="lists",
    reply=M + "ListReply",
    errors=READ,
    summary="A contact list.",
)
def get_list(call: Call, list_id: str) -> Reply:
    return Reply(list_service.find(wiring.ports(), call.tenant.tenant_id, list_id).to_public())


@route(
    bp,
    LIST,
    "PATCH",
    auth="full",
    tag="lists",
    body=M + "UpdateList",
    reply=M + "ListReply",
    action="list.update",
    errors=(400, 401, 403, 404),
    summary="Rename a list or change its description.",
)
def update_list(call: Call, list_id: str) -> Reply:
    changes = call.body.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise BadRequest("name may not be null", {"field": "name"})
    found = list_service.update(wiring.ports(), call.tenant.tenant_id, list_id, changes)
    return Reply(found.to_public(), resource_id=list_id)


@route(
    bp,
    LIST,
    "DELETE",
    auth="full",
    tag="lists",
    reply=M + "ListReply",
    action="list.delete",
    errors=READ,
    summary="Delete a list and its memberships (the contacts stay).",
)
def delete_list(call: Call, list_id: str) -> Reply:
    found = list_service.delete(wiring.ports(), call.tenant.tenant_id, list_id)
    return Reply(found.to_public(), resource_id=list_id)


@route(
    bp,
    LIST + "/contacts",
    "POST",
    auth="full",
    tag="lists",
    body=M + "AddMembers",
    reply=M + "MembersAdded",
    action="list.add_contacts",
    errors=(400, 401, 403, 404, 422),
    summary="Add up to 1,000 of the tenant's contacts; an unknown id adds nothing.",
)
def add_members(call: Call, list_id: str) -> Reply:
    ids = call.body.contact_ids
    added = list_service.add_members(wiring.ports(), call.tenant.tenant_id, list_id, ids)
    return Reply({"list_id": list_id, "added": added}, resource_id=list_id)


@route(
    bp,
    LIST + "/contacts",
    "GET",
    auth="full",
    tag="lists",
    reply=M + "ContactPage",
    query=PAGING,
    errors=(400, 401, 403, 404),
    summary="The list's contacts in id order.",
)
def list_members(call: Call, list_id: str) -> Reply:
    limit, token = parse_limit(call.query.get("limit")), call.query.get("next_token")
    page = list_service.members(wiring.ports(), call.tenant.tenant_id, list_id, limit, token)
    return Reply(public_page(page))


@route(
    bp,
    LIST + "/contacts/{contact_id}",
    "DELETE",
    auth="full",
    tag="lists",
    reply=M + "MemberRemoved",
    action="list.remove_contact",
    errors=READ,
    summary="Take a contact off the list (the contact stays).",
)
def remove_member(call: Call, list_id: str, contact_id: str) -> Reply:
    list_service.remove_member(wiring.ports(), call.tenant.tenant_id, list_id, contact_id)
    body = {"list_id": list_id, "contact_id": contact_id, "removed": True}
    return Reply(body, resource_id=list_id)


@route(
    bp,
    "/contact-fields",
    "POST",
    auth="full",
    tag="contacts",
    body=M + "CreateField",
    reply=M + "FieldReply",
    status=201,
    action="contact_field.create",
    errors=(400, 401, 403, 409, 422),
    summary="Declare a custom contact field: a name and a type (string, number, date).",
)
def create_field(call: Call) -> Reply:
    b = call.body
    made = list_service.add_field(wiring.ports(), call.tenant.tenant_id, b.name, b.type)
    return Reply(made.to_public(), 201, resource_id=made.name)


@route(
    bp,
    "/contact-fields",
    "GET",
    auth="full",
    tag="contacts",
    reply=M + "FieldPage",
    query=PAGING,
    errors=(400, 401, 403),
    summary="The tenant's custom fields by name.",
)
def list_fields(call: Call) -> Reply:
    limit, token = parse_limit(call.query.get("limit")), call.query.get("next_token")
    page = list_service.fields_page(wiring.ports(), call.tenant.tenant_id, limit, token)
    return Reply(public_page(page))
