"""In-memory twins of the imports ports: the contacts it writes (``FakeContacts``: a stand-in
for ``contacts.directory()`` and ``sending.suppressed_among``), the jobs' table, the bucket and
the work queue; and ``import_world``, the ports bundle over them, whose queue a test drains
through the worker's dispatcher (optionally delivering every job twice)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, Any

from chalicelib.core.errors import UnprocessableEntity
from chalicelib.core.pagination import Page
from chalicelib.imports.rules.jobs import ExportJob, ExportState, ImportJob, Tally
from chalicelib.imports.rules.rows import Draft
from chalicelib.imports.service import ImportPorts
from tests.fakes.core import ConditionFailed, FakeClock, sorted_page


@dataclass(frozen=True)
class Outcome:
    email: str
    contact_id: str
    outcome: str


class FakeContacts:
    """Contacts by (tenant, email), upserted like ``contacts.directory().upsert_many``: a
    draft equal to what is stored is ``unchanged``. ``refuse`` names addresses whose draft the
    directory refuses (a 422), as it would a field declared after the file was parsed."""

    def __init__(self) -> None:
        self.stored: dict[tuple[str, str], Draft] = {}
        self.types: dict[str, dict[str, str]] = {}
        self.lists: set[tuple[str, str]] = set()
        self.barred: set[tuple[str, str]] = set()
        self.refuse: set[str] = set()
        self.upsert_calls = 0

    def upsert_many(self, tenant_id: str, drafts: Sequence[Draft]) -> list[Outcome]:
        self.upsert_calls += 1
        bad = [d.email for d in drafts if d.email in self.refuse]
        if bad:
            raise UnprocessableEntity(f"{bad[0]}: field not declared", {"field": "fields"})
        return [self._one(tenant_id, d) for d in drafts]

    def _one(self, tenant_id: str, draft: Draft) -> Outcome:
        before = self.stored.get((tenant_id, draft.email))
        self.stored[(tenant_id, draft.email)] = draft
        outcome = "created" if before is None else "unchanged" if before == draft else "updated"
        return Outcome(draft.email, "ctc_" + draft.email, outcome)

    def field_types(self, tenant_id: str) -> dict[str, str]:
        return dict(self.types.get(tenant_id, {}))

    def list_exists(self, tenant_id: str, list_id: str) -> bool:
        return (tenant_id, list_id) in self.lists

    def suppressed(self, tenant_id: str, addresses: Sequence[str]) -> set[str]:
        return {a for a in addresses if (tenant_id, a) in self.barred}

    def of(self, tenant_id: str) -> dict[str, Draft]:
        return {e: d for (t, e), d in self.stored.items() if t == tenant_id}


class FakeImportJobs:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], ImportJob] = {}
        self.done_chunks: dict[tuple[str, str], set[int]] = {}

    def create(self, job: ImportJob) -> None:
        if (job.tenant_id, job.import_id) in self.items:
            raise ConditionFailed(job.import_id)
        self.items[(job.tenant_id, job.import_id)] = job

    def get(self, tenant_id: str, import_id: str) -> ImportJob | None:
        return self.items.get((tenant_id, import_id))

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page[ImportJob]:
        mine = [j for (t, _), j in self.items.items() if t == tenant_id]
        return sorted_page(mine, lambda j: j.import_id, "sk", limit, token, newest_first=True)

    def _move(
        self, tenant_id: str, import_id: str, when: Callable[[ImportJob], bool], **changes: Any
    ) -> ImportJob | None:
        job = self.items.get((tenant_id, import_id))
        if job is None or not when(job):
            return None
        self.items[(tenant_id, import_id)] = replace(job, **changes)
        return self.items[(tenant_id, import_id)]

    def start(self, tenant_id: str, import_id: str, at: str) -> bool:
        moved = self._move(
            tenant_id,
            import_id,
            lambda j: j.status == "pending",
            status="running",
            started_at=at,
            updated_at=at,
        )
        return moved is not None

    def unstart(self, tenant_id: str, import_id: str, at: str) -> None:
        self._move(
            tenant_id,
            import_id,
            lambda j: j.status == "running" and not j.parsed,
            status="pending",
            started_at=None,
            updated_at=at,
        )

    def parsed(
        self, job: ImportJob, rows: int, chunks: int, at: str, **shown: Any
    ) -> ImportJob | None:
        return self._move(
            job.tenant_id,
            job.import_id,
            lambda j: j.status == "running" and not j.parsed,
            parsed=True,
            rows_total=rows,
            chunks_total=chunks,
            updated_at=at,
            header=tuple(shown.get("header", ())),
            columns=dict(shown.get("columns", {})),
            ignored_columns=tuple(shown.get("ignored_columns", ())),
            notes=tuple(shown.get("notes", ())),
        )

    def count_chunk(
        self, tenant_id: str, import_id: str, chunk: int, tally: Tally, at: str
    ) -> ImportJob | None:
        done = self.done_chunks.setdefault((tenant_id, import_id), set())
        job = self.items.get((tenant_id, import_id))
        if job is None or job.status != "running" or chunk in done:
            return None
        done.add(chunk)
        rejected = dict(job.rejected)
        for reason, n in tally.rejected.items():
            rejected[reason] = rejected.get(reason, 0) + n
        return self._move(
            tenant_id,
            import_id,
            lambda j: True,
            rows_done=job.rows_done + tally.rows,
            created=job.created + tally.created,
            updated=job.updated + tally.updated,
            unchanged=job.unchanged + tally.unchanged,
            rejected={r: n for r, n in rejected.items() if n},
            chunks_done=job.chunks_done + 1,
            updated_at=at,
        )

    def finish(
        self,
        tenant_id: str,
        import_id: str,
        at: str,
        report: str | None,
        error: Mapping[str, str] | None = None,
    ) -> bool:
        moved = self._move(
            tenant_id,
            import_id,
            lambda j: j.status == "running",
            status="failed" if error else "completed",
            completed_at=at,
            updated_at=at,
            report_key=report,
            error=dict(error) if error else None,
        )
        return moved is not None


class FakeExportJobs:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], ExportJob] = {}
        self.seen: list[ExportState] = []

    def create(self, job: ExportJob) -> None:
        self.items[(job.tenant_id, job.export_id)] = job

    def get(self, tenant_id: str, export_id: str) -> ExportJob | None:
        return self.items.get((tenant_id, export_id))

    def progress(self, tenant_id: str, export_id: str, state: ExportState, at: str) -> None:
        job = self.items.get((tenant_id, export_id))
        if job is None:
            raise ConditionFailed(export_id)
        self.seen.append(state)
        final = state.status in ("completed", "failed")
        self.items[(tenant_id, export_id)] = replace(
            job,
            status=state.status,
            kinds_done=state.kinds_done,
            kinds_total=state.kinds_total,
            records=state.records,
            current=state.current,
            archive_key=state.archive_key,
            error=dict(state.error) if state.error else None,
            updated_at=at,
            completed_at=at if final else None,
        )


class FakeFiles:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.puts: list[str] = []

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.puts.append(key)
        self.objects[key] = (bytes(data), content_type)

    def put_stream(self, key: str, stream: IO[bytes], content_type: str) -> None:
        self.put(key, stream.read(), content_type)

    def get(self, key: str) -> bytes | None:
        found = self.objects.get(key)
        return found[0] if found else None

    def size(self, key: str) -> int | None:
        found = self.objects.get(key)
        return len(found[0]) if found else None

    def upload_url(self, key: str, content_type: str, seconds: int) -> str:
        return f"https://bucket.test/{key}?method=PUT&expires={seconds}"

    def download_url(self, key: str, filename: str, seconds: int) -> str:
        return f"https://bucket.test/{key}?method=GET&expires={seconds}&name={filename}"


class FakeQueue:
    def __init__(self) -> None:
        self.jobs: list[dict[str, Any]] = []
        self.fail = False

    def enqueue(self, jobs: Sequence[dict[str, Any]]) -> None:
        if self.fail:
            raise ConnectionError("queue unavailable")
        self.jobs.extend(json.loads(json.dumps(j)) for j in jobs)


@dataclass
class ImportWorld:
    contacts: FakeContacts = field(default_factory=FakeContacts)
    jobs: FakeImportJobs = field(default_factory=FakeImportJobs)
    exports: FakeExportJobs = field(default_factory=FakeExportJobs)
    files: FakeFiles = field(default_factory=FakeFiles)
    queue: FakeQueue = field(default_factory=FakeQueue)
    clock: FakeClock = field(default_factory=FakeClock)
    sources: dict[str, Callable[[str], Iterable[Mapping[str, Any]]]] = field(default_factory=dict)

    @property
    def ports(self) -> ImportPorts:
        return ImportPorts(
            contacts=self.contacts,
            jobs=self.jobs,
            exports=self.exports,
            files=self.files,
            queue=self.queue,
            clock=self.clock,
            sources=lambda: dict(self.sources),
        )

    def drain(self, twice: bool = False, most: int = 10_000) -> list[str]:
        """Run every queued job (and what it queues) through the worker's dispatcher; with
        ``twice``, every job is delivered a second time right after the first."""
        from chalicelib.imports.service.worker import handle

        outcomes = []
        for _ in range(most):
            if not self.queue.jobs:
                return outcomes
            job = self.queue.jobs.pop(0)
            outcomes.append(handle(self.ports, job))
            if twice:
                outcomes.append(handle(self.ports, job))
        raise AssertionError("the queue never drained")
