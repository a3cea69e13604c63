"""Imports end to end in one process: the API creates and starts jobs, the import worker's
handler drains moto's ``contact-imports`` queue (records shaped like Lambda's), files live in
moto's S3. The contacts feature is a twin (``FakeContacts``) until it is merged; everything
else is the real adapters. A presigned PUT cannot be sent to moto in-process, so an upload
is the object put straight into the bucket, and the URL's shape is checked."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from tests.fakes.imports import FakeContacts

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:penguinmails-local-contact-imports"


class Imports:
    def __init__(self, api, key: str, tenant_id: str, contacts: FakeContacts) -> None:
        from chalicelib.core.settings import settings

        self.api, self.key, self.tenant_id, self.contacts = api, key, tenant_id, contacts
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.s3 = boto3.client("s3", region_name="us-east-1")
        self.url, self.bucket = settings().contact_imports_queue_url, settings().bucket

    def call(self, method: str, path: str, body=None):
        return self.api.call(method, path, self.key, body)

    def inline(self, text: str, **extra) -> dict:
        reply = self.call("POST", "/v1/imports", {"csv": text, **extra})
        assert reply.status_code == 201, reply.data
        return reply.data

    def get(self, import_id: str) -> dict:
        reply = self.call("GET", f"/v1/imports/{import_id}")
        assert reply.status_code == 200, reply.data
        return reply.data

    def receive(self) -> list[dict]:
        reply = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10)
        return reply.get("Messages", [])

    def deliver(self, messages: list[dict]) -> dict:
        from functions.import_worker import handler

        return handler({"Records": [_record(m) for m in messages]}, None)

    def drain(self, twice: bool = False, rounds: int = 200) -> None:
        for _ in range(rounds):
            messages = self.receive()
            if not messages:
                return
            if twice:
                self.deliver(messages)
            failed = {f["itemIdentifier"] for f in self.deliver(messages)["batchItemFailures"]}
            assert not failed, failed
            for m in messages:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
        raise AssertionError("the queue did not drain")

    def read(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()


def _record(message: dict) -> dict:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {},
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": "us-east-1",
    }


@pytest.fixture
def imports(api, aws) -> Imports:
    from chalicelib.core import wiring

    contacts = FakeContacts()
    wiring.override("imports.contacts", contacts)
    tenant, key = api.new_tenant("business")
    contacts.types[tenant["id"]] = {"deal_size": "number"}
    world = Imports(api, key, tenant["id"], contacts)
    world.drain()  # what other tests of this process left on the queue
    return world


def _rows(n: int) -> str:
    return "Email,First Name,Deal Size\n" + "".join(
        f"u{i}@example.com,U{i},{i}\n" for i in range(n)
    )


def test_an_inline_import_is_parsed_and_imported_in_chunks_by_the_worker(imports):
    # given
    created = imports.inline(_rows(2300) + 'not-an-address,=HYPERLINK("x"),1\n', filename="c.csv")
    assert created["status"] == "running" and "upload" not in created

    # when
    imports.drain()

    # then
    job = imports.get(created["id"])
    assert (job["status"], job["rows_total"], job["rows_done"]) == ("completed", 2301, 2301)
    assert (job["created"], job["updated"], job["unchanged"], job["rejected"]) == (2300, 0, 0, 1)
    assert job["rejected_by_reason"]["invalid_address"] == 1
    assert job["columns"] == {
        "Email": "email",
        "First Name": "first_name",
        "Deal Size": "deal_size",
    }
    assert imports.contacts.of(imports.tenant_id)["u5@example.com"].fields == {"deal_size": 5}
    key = f"tenant/{imports.tenant_id}/imports/{created['id']}/rejected.csv"
    assert urlsplit(job["report_url"]).path.endswith(key)
    report = list(csv.reader(io.StringIO(imports.read(key).decode(), newline="")))
    assert report[1][:2] == ["2302", "invalid_address"] and "@" in report[1][2]
    assert report[1][4] == '\'=HYPERLINK("x")'


def test_running_the_same_file_again_changes_nothing_even_when_every_job_comes_twice(imports):
    text = _rows(1200)
    first = imports.inline(text)
    imports.drain(twice=True)
    second = imports.inline(text)
    imports.drain(twice=True)
    one, two = imports.get(first["id"]), imports.get(second["id"])
    assert (one["created"], one["rows_done"]) == (1200, 1200)
    assert (two["status"], two["created"], two["updated"], two["unchanged"]) == (
        "completed",
        0,
        0,
        1200,
    )
    assert "report_url" not in two


def test_an_upload_gets_a_presigned_put_then_starts_once_the_file_is_there(imports):
    # given
    created = imports.call(
        "POST", "/v1/imports", {"upload": True, "filename": "big.csv", "mapping": {"Mail": "email"}}
    )
    assert created.status_code == 201, created.data
    job, upload = created.data, created.data["upload"]
    key = f"tenant/{imports.tenant_id}/imports/{job['id']}/source.csv"
    url = urlsplit(upload["url"])
    assert (upload["method"], upload["headers"], upload["expires_in"]) == (
        "PUT",
        {"Content-Type": "text/csv"},
        900,
    )
    assert url.path.endswith("/" + key)
    assert parse_qs(url.query)["X-Amz-Expires"] == ["900"]
    assert job["status"] == "pending" and imports.get(job["id"])["status"] == "pending"

    # when it is started before the file is there, then after
    early = imports.call("POST", f"/v1/imports/{job['id']}/start")
    data = "Mail;Company\r\nana@example.com;Café\r\n".encode("cp1252")
    imports.s3.put_object(Bucket=imports.bucket, Key=key, Body=data, ContentType="text/csv")
    started = imports.call("POST", f"/v1/imports/{job['id']}/start")
    again = imports.call("POST", f"/v1/imports/{job['id']}/start")
    imports.drain()

    # then
    assert early.status_code == 409 and early.data["error"]["details"]["field"] == "file"
    assert (started.status_code, started.data["status"], again.status_code) == (202, "running", 409)
    done = imports.get(job["id"])
    assert (done["status"], done["created"]) == ("completed", 1)
    assert any("cp1252" in n for n in done["notes"])
    assert imports.contacts.of(imports.tenant_id)["ana@example.com"].company == "Café"


def test_a_file_that_cannot_be_read_fails_the_job_saying_why(imports):
    created = imports.call("POST", "/v1/imports", {"upload": True}).data
    key = f"tenant/{imports.tenant_id}/imports/{created['id']}/source.csv"
    imports.s3.put_object(Bucket=imports.bucket, Key=key, Body=b"a@b.co,Ann\n")
    imports.call("POST", f"/v1/imports/{created['id']}/start")
    imports.drain()
    job = imports.get(created["id"])
    assert (job["status"], job["error"]["code"], job["rows_total"]) == (
        "failed",
        "missing_header",
        0,
    )


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 400, "csv"),
        ({"upload": True, "csv": "email\n"}, 400, "csv"),
        ({"csv": "name\nAnn\n"}, 422, "mapping"),
        ({"csv": "email\na@b.co\n", "mapping": {"email": "shoe_size"}}, 422, "mapping.email"),
        ({"csv": "email\na@b.co\n", "list_id": "lst_other"}, 422, "list_id"),
        ({"csv": "email\n" + "x" * (5 * 1024 * 1024)}, 413, "csv"),
        ({"upload": "yes"}, 400, None),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_creates_nothing(imports, body, status, field):
    reply = imports.call("POST", "/v1/imports", body)
    assert reply.status_code == status, reply.data
    if field:
        assert reply.data["error"]["details"]["field"] == field
    assert imports.call("GET", "/v1/imports").data["items"] == []
    assert imports.receive() == []


def test_imports_are_listed_newest_first_and_paged(imports):
    made = [imports.call("POST", "/v1/imports", {"upload": True}).data["id"] for _ in range(3)]
    first = imports.call("GET", "/v1/imports?limit=2").data
    rest = imports.call("GET", f"/v1/imports?limit=2&next_token={first['next_token']}").data
    assert [j["id"] for j in first["items"] + rest["items"]] == sorted(made, reverse=True)
    assert rest["next_token"] is None


def test_the_worker_drops_a_record_that_is_not_a_job(imports):
    imports.sqs.send_message(QueueUrl=imports.url, MessageBody="not json")
    imports.sqs.send_message(QueueUrl=imports.url, MessageBody=json.dumps({"kind": "nope"}))
    reply = imports.deliver(imports.receive())
    assert reply["batchItemFailures"] == []


class Directory:
    def contacts(self, tenant_id):
        return [{"email": "a@example.com", "tenant_id": tenant_id}]

    def lists(self, tenant_id):
        return [{"id": "lst_1", "name": "Leads"}]


def test_a_tenant_export_is_a_zip_of_what_the_tenant_owns(imports):
    # given a template, a suppression and an import of the tenant
    from chalicelib.core import wiring

    wiring.override("imports.directory", Directory())
    imports.call("POST", "/v1/templates", {"name": "t", "subject": "Hi", "text": "Hello"})
    imports.call("POST", "/v1/suppressions", {"address": "gone@example.test"})
    imports.call("POST", "/v1/imports", {"upload": True, "filename": "x.csv"})

    # when
    requested = imports.call("POST", "/v1/tenant/export")
    pending = imports.call("GET", f"/v1/tenant/exports/{requested.data['id']}").data
    imports.drain()

    # then
    assert requested.status_code == 202 and pending["status"] == "pending"
    assert "download_url" not in pending
    done = imports.call("GET", f"/v1/tenant/exports/{requested.data['id']}").data
    assert (done["status"], done["kinds_done"], done["kinds_total"]) == ("completed", 5, 5)
    key = f"tenant/{imports.tenant_id}/exports/{done['id']}/export.zip"
    assert urlsplit(done["download_url"]).path.endswith(key)
    archive = zipfile.ZipFile(io.BytesIO(imports.read(key)))
    kinds = json.loads(archive.read("manifest.json"))["kinds"]
    assert kinds == {"contacts": 1, "imports": 1, "lists": 1, "suppressions": 1, "templates": 1}
    [template] = [json.loads(x) for x in archive.read("templates.jsonl").splitlines()]
    assert (template["name"], template["text"]) == ("t", "Hello")
    assert done["records"] == 5
