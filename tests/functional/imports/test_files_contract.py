"""The ``Files`` contract: ``FakeFiles`` and ``S3Files`` (the project bucket) store, read and
measure the same way; and the real presigned URLs have the shape S3 gives them (a PUT
upload URL bound to its key, content type and 15 minutes; a GET that downloads as a file)."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.core import ids
from tests.fakes.imports import FakeFiles
from tests.functional.twins import TWINS, twin


@pytest.fixture(params=TWINS)
def files(request):
    def real():
        from chalicelib.imports.wiring import files

        return files()

    return twin(request, FakeFiles, real)


def _key() -> str:
    return f"tenant/{ids.new_id('ten')}/imports/{ids.new_sortable_id('imp')}/source.csv"


def test_a_put_file_reads_back_with_its_size(files):
    key = _key()
    files.put(key, b"email\na@b.co\n", "text/csv")
    assert files.get(key) == b"email\na@b.co\n"
    assert files.size(key) == 13


def test_a_missing_file_is_none(files):
    assert files.get(_key()) is None
    assert files.size(_key()) is None


def test_a_streamed_file_reads_back_whole(files):
    key = _key()
    data = bytes(range(256)) * 5000
    files.put_stream(key, io.BytesIO(data), "application/zip")
    assert files.get(key) == data


def test_the_upload_url_is_a_presigned_put_for_the_key_type_and_15_minutes(aws):
    from chalicelib.core.settings import settings
    from chalicelib.imports.wiring import files

    key = _key()
    url = urlsplit(files().upload_url(key, "text/csv", 900))
    query = parse_qs(url.query)
    assert url.scheme == "https"
    assert url.path.endswith("/" + key) and settings().bucket in url.netloc + url.path
    assert query["X-Amz-Expires"] == ["900"]
    assert "content-type" in query["X-Amz-SignedHeaders"][0]
    assert query["X-Amz-Signature"][0]


def test_the_download_url_is_a_presigned_get_that_downloads_as_a_file(aws):
    from chalicelib.imports.wiring import files

    key = _key()
    query = parse_qs(urlsplit(files().download_url(key, "x-rejected.csv", 900)).query)
    assert query["response-content-disposition"] == ['attachment; filename="x-rejected.csv"']
    assert query["X-Amz-Expires"] == ["900"]
