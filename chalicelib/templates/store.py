"""Templates: metadata in DynamoDB (tenant-led: ``tenant_id`` + ``tpl_…``, a JSON ``data``
attribute), bodies in S3 under ``tenant/<id>/templates/<template id>.json``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from chalicelib.aws.dynamodb import query_page, table_model
from chalicelib.templates.rules.templates import Template

if TYPE_CHECKING:
    from chalicelib.core.pagination import Page
    from chalicelib.core.tenancy import TenantContext


@table_model("TemplatesTable")
class TemplateItem(Model):
    class Meta:
        pass

    tenant_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = UnicodeAttribute()


def _key(tenant_id: str, template_id: str) -> str:
    return f"tenant/{tenant_id}/templates/{template_id}.json"


class DynamoTemplateRepository:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def save(self, ctx: TenantContext, template: Template) -> None:
        assert template.tenant_id == ctx.tenant_id
        bodies = json.dumps({"html": template.html, "text": template.text})
        self._s3.put_object(
            Bucket=self._bucket,
            Key=_key(ctx.tenant_id, template.template_id),
            Body=bodies.encode("utf-8"),
            ContentType="application/json",
        )
        meta = {
            "name": template.name,
            "subject": template.subject,
            "variables": list(template.variables),
            "created_at": template.created_at,
            "updated_at": template.updated_at,
        }
        TemplateItem(ctx.tenant_id, template.template_id, data=json.dumps(meta)).save()

    def _meta(self, ctx: TenantContext, template_id: str) -> dict[str, Any] | None:
        try:
            return json.loads(
                TemplateItem.get(ctx.tenant_id, template_id, consistent_read=True).data
            )
        except DoesNotExist:
            return None

    def get(self, ctx: TenantContext, template_id: str) -> Template | None:
        meta = self._meta(ctx, template_id)
        if meta is None:
            return None
        obj = self._s3.get_object(Bucket=self._bucket, Key=_key(ctx.tenant_id, template_id))
        bodies = json.loads(obj["Body"].read())
        return _template(ctx.tenant_id, template_id, meta, bodies)

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page[Template]:
        return query_page(
            TemplateItem,
            ctx.tenant_id,
            "sk",
            limit,
            token,
            lambda i: _template(ctx.tenant_id, i.sk, json.loads(i.data), {}),
            newest_first=False,
        )

    def delete(self, ctx: TenantContext, template_id: str) -> None:
        TemplateItem(ctx.tenant_id, template_id).delete()
        self._s3.delete_object(Bucket=self._bucket, Key=_key(ctx.tenant_id, template_id))


def _template(
    tenant_id: str, template_id: str, meta: dict[str, Any], bodies: dict[str, Any]
) -> Template:
    return Template(
        tenant_id,
        template_id,
        meta["name"],
        meta["subject"],
        bodies.get("html"),
        bodies.get("text"),
        tuple(meta.get("variables", [])),
        meta["created_at"],
        meta["updated_at"],
    )
