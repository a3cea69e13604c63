"""The README's signature checks (Python and Node) accept what the sender signs, during a
rotation with either secret, and refuse a changed body, a wrong secret or a stale time."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from chalicelib.webhooks.rules import signing

README = Path(__file__).resolve().parents[3] / "README.md"
BODY = b'{"event_id":"evt_1","type":"message.sent","tenant_id":"ten_x"}'


def _snippet(language: str) -> str:
    section = README.read_text().split("### Webhooks:", 1)[1].split("\n### ", 1)[0]
    found = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert found, f"no {language} snippet in the README's webhooks section"
    return found.group(1)


def _cases() -> list[tuple[str, str, bytes, bool]]:
    now = int(time.time())
    rotated = signing.signature_header(["whsec_new", "whsec_old"], now, BODY)
    return [
        ("whsec_new", rotated, BODY, True),
        ("whsec_old", rotated, BODY, True),
        ("whsec_other", rotated, BODY, False),
        ("whsec_new", rotated, BODY + b" ", False),
        ("whsec_new", signing.signature_header(["whsec_new"], now - 600, BODY), BODY, False),
        ("whsec_new", "v1=" + "0" * 64, BODY, False),
        ("whsec_new", f"t={now},v1=zz", BODY, False),
    ]


def test_the_python_snippet_verifies_our_signatures():
    scope: dict = {}
    exec(compile(_snippet("python"), "README-python", "exec"), scope)  # noqa: S102 - our README
    verify = scope["verify_penguinmails"]
    for secret, header, body, expected in _cases():
        assert verify(secret, header, body) is expected, (secret, header)


def test_the_node_snippet_verifies_our_signatures(tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    module = tmp_path / "verify.js"
    module.write_text(_snippet("js"))
    cases = _cases()
    script = (
        f"const {{verifyPenguinMails}} = require({str(module)!r});"
        "const cases = JSON.parse(process.argv[1]);"
        "process.stdout.write(JSON.stringify(cases.map(([s, h, b]) =>"
        " verifyPenguinMails(s, h, Buffer.from(b)))));"
    )
    given = json.dumps([[s, h, b.decode()] for s, h, b, _ in cases])
    done = subprocess.run(  # noqa: S603 - node with our own script
        [node, "-e", script, given], capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == [expected for *_, expected in cases], done.stderr
