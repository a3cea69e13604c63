"""In-memory twins of the report ports: jobs (conditional moves like ``DynamoReportJobs``),
the queue, the files, record owners, and an ``AnalyticsQueries`` that answers from given
rows and remembers every statement it was asked to run."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.analytics.ports import QueryResult
from chalicelib.analytics.reports.jobs import ReportJob, ReportResult
from chalicelib.core.pagination import Page, decode_token, encode_token
from chalicelib.core.tenancy import TenantContext


class FakeReportJobs:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], ReportJob] = {}

    def create(self, job: ReportJob) -> None:
        assert (job.tenant_id, job.report_id) not in self.items
        self.items[(job.tenant_id, job.report_id)] = job

    def get(self, tenant_id: str, report_id: str) -> ReportJob | None:
        return self.items.get((tenant_id, report_id))

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page[ReportJob]:
        after = (decode_token(token, {"sk"}) or {}).get("sk")
        mine = sorted((k[1] for k in self.items if k[0] == tenant_id), reverse=True)
        mine = [r for r in mine if after is None or r < after]
        page = [self.items[(tenant_id, r)] for r in mine[:limit]]
        more = len(mine) > limit
        return Page(page, encode_token({"sk": page[-1].report_id}) if more else None)

    def _move(self, tenant_id: str, report_id: str, **changes: Any) -> bool:
        job = self.items.get((tenant_id, report_id))
        if job is None or job.status not in ("queued", "running"):
            return False
        self.items[(tenant_id, report_id)] = dataclasses.replace(job, **changes)
        return True

    def start(self, tenant_id: str, report_id: str, at: str) -> bool:
        return self._move(tenant_id, report_id, status="running", started_at=at, updated_at=at)

    def finish(
        self,
        tenant_id: str,
        report_id: str,
        at: str,
        result: ReportResult | None,
        error: Mapping[str, str] | None = None,
    ) -> bool:
        done = result is not None and not error
        return self._move(
            tenant_id,
            report_id,
            status="completed" if done else "failed",
            result=result if done else None,
            error=None if done else dict(error or {"code": "failed"}),
            completed_at=at,
            updated_at=at,
        )


class FakeReportQueue:
    def __init__(self, refuse: bool = False) -> None:
        self.sent: list[tuple[str, str]] = []
        self.refuse = refuse

    def enqueue(self, tenant_id: str, report_id: str) -> None:
        if self.refuse:
            raise RuntimeError("queue down")
        self.sent.append((tenant_id, report_id))


class FakeReportFiles:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.files[key] = data

    def get(self, key: str) -> bytes | None:
        return self.files.get(key)


class FakeOwners:
    """``owned``: (tenant id, field, record id) the tenant owns."""

    def __init__(self, owned: set[tuple[str, str, str]] | None = None) -> None:
        self.owned = owned or set()

    def owns(self, tenant: TenantContext, field: str, record_id: str) -> bool:
        return (tenant.tenant_id, field, record_id) in self.owned


class FakeQueries:
    """Answers every statement with ``answer(sql)`` (or raises ``error``)."""

    def __init__(
        self,
        answer: Callable[[str], QueryResult] | None = None,
        error: Exception | None = None,
    ) -> None:
        self.asked: list[str] = []
        self.answer = answer or (lambda sql: QueryResult(["day", "sent"], [], 0))
        self.error = error

    def run(self, sql: str) -> QueryResult:
        self.asked.append(sql)
        if self.error is not None:
            raise self.error
        return self.answer(sql)
