"""The dashboard's static files on the local front door: index at ``/``, assets under
``/app/`` with their content types and revalidation headers, and every path that would leave
the site's folder (``..`` raw or encoded, backslashes, NULs, symlinks) a 404."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from chalice import Chalice

from infrastructure.local.http_server import LocalHttpServer, LocalRoutes
from infrastructure.local.static_site import SITE_ROOT, StaticSite


@pytest.fixture
def site(tmp_path: Path) -> StaticSite:
    root = tmp_path / "site"
    (root / "app" / "pages").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>t</title>")
    (root / "app" / "main.js").write_text("export {};")
    (root / "app" / "styles.css").write_text("body{}")
    (root / "app" / "pages" / "one.js").write_text("export const one = 1;")
    (root / "app" / "notes.md").write_text("not served: unknown type")
    (tmp_path / "secret.txt").write_text("outside the site")
    (root / "app" / "escape.txt").symlink_to(tmp_path / "secret.txt")
    return StaticSite(root)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/app/main.js", "text/javascript; charset=utf-8"),
        ("/app/styles.css", "text/css; charset=utf-8"),
        ("/app/pages/one.js?v=2", "text/javascript; charset=utf-8"),
    ],
)
def test_files_are_served_with_their_content_type(
    site: StaticSite, path: str, content_type: str
) -> None:
    reply = site.serve("GET", path)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == content_type
    assert reply.headers["Cache-Control"] == "no-cache"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Content-Length"] == str(len(reply.body))


def test_the_page_carries_a_content_security_policy_and_assets_do_not(site: StaticSite) -> None:
    assert "script-src 'self'" in site.serve("GET", "/").headers["Content-Security-Policy"]
    assert "Content-Security-Policy" not in site.serve("GET", "/app/main.js").headers


@pytest.mark.parametrize(
    "path",
    [
        "/app/../index.html",
        "/app/%2e%2e/index.html",
        "/app/pages/%2E%2E/%2E%2E/../secret.txt",
        "/app/..%2f..%2fsecret.txt",
        "/app/..%5c..%5csecret.txt",
        "/app/pages\\..\\main.js",
        "/app/main.js%00.css",
        "/app//main.js",
        "/app/./main.js",
        "/app/",
        "/app/pages",
        "/app/escape.txt",
        "/app/notes.md",
        "/app/missing.js",
        "/config.json",
    ],
)
def test_paths_outside_the_site_or_unknown_are_404(site: StaticSite, path: str) -> None:
    reply = site.serve("GET", path)
    assert reply.status == 404
    assert reply.body == b"not found"


def test_only_its_own_paths_are_claimed(site: StaticSite) -> None:
    for path in ("/", "/index.html", "/config.json", "/app/x.js", "/app/../v1/tenant"):
        assert site.claims(path), path
    for path in ("/v1/tenant", "/t/o/abc", "/u/abc", "/local/platform", "/apple", "/favicon.ico"):
        assert not site.claims(path), path


def test_an_unchanged_file_is_a_304_and_head_has_no_body(site: StaticSite) -> None:
    first = site.serve("GET", "/app/main.js")
    again = site.serve("GET", "/app/main.js", if_none_match=f'W/"x", {first.headers["ETag"]}')
    assert (again.status, again.body) == (304, b"")
    head = site.serve("HEAD", "/app/main.js")
    assert (head.status, head.body, head.headers["Content-Length"]) == (200, b"", "10")


def test_writes_are_refused(site: StaticSite) -> None:
    reply = site.serve("POST", "/app/main.js")
    assert (reply.status, reply.headers["Allow"]) == (405, "GET, HEAD")


def test_the_real_dashboard_has_its_page_and_every_module_it_imports() -> None:
    site = StaticSite(SITE_ROOT)
    assert b'src="app/main.js"' in site.serve("GET", "/").body
    for module in (SITE_ROOT / "app").rglob("*.js"):
        path = "/app/" + module.relative_to(SITE_ROOT / "app").as_posix()
        assert site.serve("GET", path).status == 200, path


@pytest.fixture
def front_door() -> Iterator[int]:
    app = Chalice(app_name="static-test")

    @app.route("/v1/ping")
    def ping() -> dict[str, bool]:
        return {"pong": True}

    server = LocalHttpServer(app, LocalRoutes(smtp=None, describe=dict), "127.0.0.1", 0)
    server.start()
    yield server.port
    server.stop()


def _get(port: int, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path)  # sent as written: http.client does not normalise ``..``
    reply = connection.getresponse()
    body = reply.read()
    connection.close()
    return reply.status, {k.lower(): v for k, v in reply.getheaders()}, body


def test_the_front_door_serves_the_dashboard_beside_the_api(front_door: int) -> None:
    status, headers, body = _get(front_door, "/")
    assert (status, headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert b"PenguinMails" in body
    status, headers, _ = _get(front_door, "/app/main.js")
    assert (status, headers["content-type"]) == (200, "text/javascript; charset=utf-8")
    status, _, body = _get(front_door, "/v1/ping")
    assert (status, json.loads(body)) == (200, {"pong": True})
    status, headers, body = _get(front_door, "/app/main.js", "HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["content-length"]) > 0


@pytest.mark.parametrize(
    "path", ["/app/../app.py", "/app/%2e%2e/%2e%2e/app.py", "/app/..%2f..%2fMakefile"]
)
def test_the_front_door_never_leaves_the_dashboard_folder(front_door: int, path: str) -> None:
    status, _, body = _get(front_door, path)
    assert status == 404
    assert b"import" not in body
