"""The template sandbox without I/O."""

import pytest

from chalicelib.core.errors import UnprocessableEntity
from chalicelib.templates.rules import rendering as templating
from chalicelib.templates.rules import templates


def test_placeholders_defaults_and_escaping():
    out = templating.render_message(
        "Hi {{ name | default('there') }}",
        "<b>{{ company }}</b>",
        "{{ company }}",
        {"company": "A&B"},
    )
    assert out == {"subject": "Hi there", "html": "<b>A&amp;B</b>", "text": "A&B"}


def test_if_blocks_and_safe_filters_are_allowed():
    out = templating.render_part(
        "text", "{% if vip %}Dear {{ name | title }}{% endif %}", {"vip": True, "name": "ann lee"}
    )
    assert out == "Dear Ann Lee"


@pytest.mark.parametrize(
    "source",
    [
        "{% for i in x %}{% endfor %}",
        "{% macro m() %}{% endmacro %}",
        "{{ x | indent(9) }}",
        "{{ cycler() }}",
        "{{ x.__class__ }}",
        "{{ 'a' * 10001 }}",
        "{{ 9 ** 65 }}",
    ],
)
def test_dangerous_constructs_are_refused(source):
    with pytest.raises(UnprocessableEntity):
        templating.render_part("text", source, {"x": "v"})


def test_undefined_variables_are_named():
    with pytest.raises(UnprocessableEntity) as err:
        templating.render_part("text", "{{ a }} {{ b }}", {"a": 1})
    assert err.value.details["variables"] == ["b"]


def test_templates_record_their_variables_and_need_a_body():
    template = templates.new_template("ten_x", "t", "{{ s }}", None, "{{ t }} {{ s }}", "now")
    assert template.variables == ("s", "t")
    with pytest.raises(UnprocessableEntity):
        templates.new_template("ten_x", "t", "s", None, None, "now")
