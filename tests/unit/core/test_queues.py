"""Every queue of the template is in the one resource mapping (so the queue monitor, the
health check and the redrive see it), under the name the template gives it, with the
dead-letter relation its ``RedrivePolicy`` declares; the queue monitor is given every
queue's URL and may read every queue's depth."""

from __future__ import annotations

import pytest

from chalicelib.core.resources import SOURCES, queue_name, queues
from infrastructure.local import template as tpl

TEMPLATE = tpl.load()
RESOURCES = TEMPLATE["Resources"]
QUEUES = tpl.queue_names(TEMPLATE)  # logical id -> name


def test_every_queue_of_the_template_is_in_the_mapping_and_nothing_else():
    assert set(queues()) == set(QUEUES.values())


@pytest.mark.parametrize("ref", sorted(queues().values(), key=lambda r: r.name), ids=str)
def test_each_queues_name_is_the_templates_name_of_the_queue_its_output_names(ref):
    output = SOURCES[ref.setting].output
    logical_id = TEMPLATE["Outputs"][output]["Value"]["Ref"]
    assert QUEUES[logical_id] == ref.name == queue_name(output)


def test_dead_letter_queues_are_the_ones_the_redrive_policies_name():
    assert {r.name: r.dead_letter_for for r in queues().values()} == tpl.dead_letter_sources(
        TEMPLATE
    )
    assert {r.name for r in queues().values() if r.is_dead_letter} >= {
        "notifications-dlq",
        "send-priority-dlq",
        "send-bulk-dlq",
        "inbound-dlq",
    }


def test_the_queue_monitor_is_given_every_queue_and_may_read_each():
    monitor = RESOURCES["QueueMonitorFunction"]["Properties"]["Environment"]["Variables"]
    given = {env: value["Ref"] for env, value in monitor.items() if isinstance(value, dict)}
    for ref in queues().values():
        source = SOURCES[ref.setting]
        assert given.get(source.env) == TEMPLATE["Outputs"][source.output]["Value"]["Ref"], ref
    statements = RESOURCES["QueueMonitorRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    readable = {
        r["Fn::GetAtt"][0]
        for s in statements["Statement"]
        if "sqs:GetQueueAttributes" in str(s["Action"])
        for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    }
    assert readable == set(QUEUES)


def test_queue_names_come_from_their_outputs():
    assert queue_name("SendBulkDLQUrl") == "send-bulk-dlq"
    assert queue_name("InboundQueueUrl") == "inbound"
    assert queue_name("NotificationsQueueUrl") == "notifications"
