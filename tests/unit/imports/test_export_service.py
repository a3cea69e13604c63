"""The tenant export over the in-memory world: a ZIP of JSON lines per kind with a manifest,
progress as it goes, a failing kind named, a finished export not run again."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from chalicelib.core.errors import NotFound, ServiceUnavailable
from chalicelib.core.tenancy import system_context
from chalicelib.imports.registry import register_export_source, registered
from chalicelib.imports.service import export
from tests.fakes.imports import ImportWorld

CTX = system_context("ten_aaaaaaaaaaaaaaaaaaaa", "business")


def _zip(world: ImportWorld, job) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(world.files.get(job.archive_key)))


def test_an_export_writes_one_json_lines_file_per_kind_and_a_manifest():
    # given
    world = ImportWorld()
    world.sources = {
        "contacts": lambda t: [{"email": "a@b.co", "tenant": t}, {"email": "c@d.co", "tenant": t}],
        "lists": lambda t: [],
    }

    # when
    job = export.request(world.ports, CTX)
    world.drain()

    # then
    done = export.find(world.ports, CTX, job.export_id)
    assert (done.status, done.kinds_done, done.kinds_total, done.records) == ("completed", 2, 2, 2)
    archive = _zip(world, done)
    assert sorted(archive.namelist()) == ["contacts.jsonl", "lists.jsonl", "manifest.json"]
    lines = archive.read("contacts.jsonl").decode().splitlines()
    assert [json.loads(x) for x in lines] == [
        {"email": "a@b.co", "tenant": CTX.tenant_id},
        {"email": "c@d.co", "tenant": CTX.tenant_id},
    ]
    assert json.loads(archive.read("manifest.json"))["kinds"] == {"contacts": 2, "lists": 0}
    assert export.download_url(world.ports, done).startswith("https://bucket.test/tenant/")
    assert [s.current for s in world.exports.seen] == ["contacts", "lists", None]


def test_a_kind_that_fails_fails_the_export_naming_it():
    world = ImportWorld()

    def broken(tenant_id):
        yield {"ok": 1}
        raise RuntimeError("down")

    world.sources = {"a_fine": lambda t: [{"x": 1}], "broken": broken}
    job = export.request(world.ports, CTX)
    world.drain()
    done = export.find(world.ports, CTX, job.export_id)
    assert done.status == "failed" and "broken" in done.error["message"]
    assert done.archive_key is None and export.download_url(world.ports, done) is None


def test_a_finished_export_is_not_run_again():
    world = ImportWorld()
    world.sources = {"contacts": lambda t: [{"n": 1}]}
    job = export.request(world.ports, CTX)
    world.drain(twice=True)
    assert export.find(world.ports, CTX, job.export_id).status == "completed"
    assert world.files.puts.count(f"tenant/{CTX.tenant_id}/exports/{job.export_id}/export.zip") == 1


def test_an_export_the_queue_refuses_is_failed_and_503():
    world = ImportWorld()
    world.queue.fail = True
    with pytest.raises(ServiceUnavailable):
        export.request(world.ports, CTX)
    [job] = world.exports.items.values()
    assert job.status == "failed"


def test_another_tenants_export_is_not_found():
    world = ImportWorld()
    job = export.request(world.ports, CTX)
    with pytest.raises(NotFound):
        export.find(world.ports, system_context("ten_bbbbbbbbbbbbbbbbbbbb"), job.export_id)
    with pytest.raises(NotFound):
        export.find(world.ports, CTX, "not-an-id")


def test_registered_sources_need_a_plain_name():
    from chalicelib.imports import registry

    register_export_source("test_kind", lambda t: [])
    try:
        assert "test_kind" in registered()
    finally:
        registry._sources.pop("test_kind")
    with pytest.raises(ValueError):
        register_export_source("../evil", lambda t: [])
