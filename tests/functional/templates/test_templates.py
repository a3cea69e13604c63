"""Templates through the API: checked when saved, rendered in the sandbox on preview."""

from __future__ import annotations

import pytest


@pytest.fixture
def key(api):
    return api.new_tenant("business")[1]


def _create(api, key, **body):
    payload = {
        "name": "Intro",
        "subject": "Hi {{ first_name | default('there') }}",
        "html": "<p>Hello {{ first_name }} at {{ company }}</p>",
        **body,
    }
    return api.call("POST", "/v1/templates", key, payload)


def test_a_template_lists_its_variables_and_previews(api, key):
    created = _create(api, key)
    assert created.status_code == 201, created.data
    assert created.data["variables"] == ["company", "first_name"]
    preview = api.call(
        "POST",
        f"/v1/templates/{created.data['id']}/preview",
        key,
        {"variables": {"first_name": "Ann", "company": "<Acme & Co>"}},
    )
    assert preview.status_code == 200
    assert preview.data["subject"] == "Hi Ann"
    assert preview.data["html"] == "<p>Hello Ann at &lt;Acme &amp; Co&gt;</p>"


def test_an_undefined_variable_is_a_422_naming_it(api, key):
    created = _create(api, key).data
    reply = api.call(
        "POST", f"/v1/templates/{created['id']}/preview", key, {"variables": {"first_name": "Ann"}}
    )
    assert reply.status_code == 422
    assert "company" in reply.data["error"]["message"]
    assert reply.data["error"]["details"]["variables"] == ["company"]


def test_defaults_fill_missing_variables(api, key):
    created = _create(api, key, html=None, text="Hi {{ first_name | default('there') }}").data
    reply = api.call("POST", f"/v1/templates/{created['id']}/preview", key, {"variables": {}})
    assert reply.data["text"] == "Hi there" and reply.data["html"] is None


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{% for x in y %}{% endfor %}",
        "{{ 'a' * 100000000 }}",
        "{{ x | center(999999999) }}",
        "{{ range(10) }}",
        "{% include 'x' %}",
        "{{ unclosed",
        "{{ '%s' % 1 }}",
        "{{ 2 ** 9999999 }}",
    ],
)
def test_unsafe_or_broken_templates_never_render_and_never_500(api, key, source):
    created = _create(api, key, text=source)
    if created.status_code == 201:
        reply = api.call(
            "POST",
            f"/v1/templates/{created.data['id']}/preview",
            key,
            {"variables": {"first_name": "a", "company": "b", "x": "c", "y": "d"}},
        )
        assert reply.status_code == 422, reply.data
    else:
        assert created.status_code == 422, created.data
        assert created.data["error"]["details"]["field"] == "text"


def test_a_rendered_subject_cannot_inject_headers(api, key):
    created = _create(api, key, subject="Hi {{ first_name }}").data
    reply = api.call(
        "POST",
        f"/v1/templates/{created['id']}/preview",
        key,
        {"variables": {"first_name": "Ann\r\nBcc: all@x.test", "company": "c"}},
    )
    assert reply.status_code == 422 and reply.data["error"]["details"]["field"] == "subject"


def test_crud(api, key):
    created = _create(api, key).data
    assert api.call("GET", "/v1/templates", key).data["items"][0]["id"] == created["id"]
    changed = api.call(
        "PATCH", f"/v1/templates/{created['id']}", key, {"text": "Plain {{ company }}"}
    ).data
    assert changed["text"] == "Plain {{ company }}" and changed["html"] == created["html"]
    assert (
        api.call(
            "PATCH", f"/v1/templates/{created['id']}", key, {"subject": "{{ broken"}
        ).status_code
        == 422
    )
    assert api.call("DELETE", f"/v1/templates/{created['id']}", key).status_code == 200
    assert api.call("GET", f"/v1/templates/{created['id']}", key).status_code == 404
    assert api.call("POST", "/v1/templates", key, {"name": "x", "subject": "s"}).status_code == 422
