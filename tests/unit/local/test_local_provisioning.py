"""The local platform's provisioning without pebble: it says so once, keeps running, points
the ACME directory at nothing (IssueCertificate then fails and the server rolls back), and
``/local/provisioning/ca`` answers 404 with the reason. Step faults are set and cleared
over ``/local/provisioning/faults``, with a clear error for a bad body."""

from __future__ import annotations

import json

from infrastructure.local.provisioning import LocalProvisioning


def test_without_pebble_the_platform_says_so_and_runs_on(capsys) -> None:
    local = LocalProvisioning(None, None, 5353, "127.0.0.1", 60.0, pebble_binary="/nonexistent")
    try:
        local._start_pebble()
        assert local.pebble is None
        said = capsys.readouterr().err
        assert "no local ACME CA" in said and "apt-get install pebble" in said
        routes = local.routes()
        status, body = routes[("GET", "/local/provisioning/ca")](b"", {})
        assert status == 404 and "pebble" in body["error"]["message"]
    finally:
        if local.challenge_dns is not None:
            local.challenge_dns.stop()
        local._trust_dir.cleanup()


def test_step_faults_over_the_local_routes() -> None:
    local = LocalProvisioning(None, None, 5353, "127.0.0.1", 60.0)
    routes = local.routes()
    body = json.dumps({"step": "CreateVps", "mode": "once"}).encode()
    status, state = routes[("POST", "/local/provisioning/faults")](body, {})
    assert status == 200 and state["armed"] == {"CreateVps": "once"}
    assert local.faults.take("CreateVps") and not local.faults.take("CreateVps")
    status, answer = routes[("POST", "/local/provisioning/faults")](b'{"mode": "sometimes"}', {})
    assert status == 400 and "step" in answer["error"]["message"]
    routes[("POST", "/local/provisioning/faults")](body.replace(b"once", b"always"), {})
    status, state = routes[("DELETE", "/local/provisioning/faults")](b"", {})
    assert status == 200 and state["armed"] == {}
    local._trust_dir.cleanup()
