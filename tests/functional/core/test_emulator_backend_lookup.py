"""The emulator's service lookup per host (``infrastructure.local.moto_patches``): the answer
moto's own lookup gives, found once per host and then remembered."""

from __future__ import annotations

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from infrastructure.local import moto_patches

HOSTS = [
    "dynamodb",
    "dynamodbstreams",
    "sqs.us-east-1.amazonaws.com",
    "kinesis.us-east-1.amazonaws.com",
    "s3.amazonaws.com",
    None,
]


def test_each_host_finds_the_backend_moto_finds_and_remembers_it():
    # given the patch applied, and moto's own lookup it wraps
    moto_patches.apply()
    lookup = DomainDispatcherApplication.get_backend_for_host
    dispatcher = DomainDispatcherApplication(create_backend_app)
    expected = {host: lookup.__wrapped__(dispatcher, host) for host in HOSTS}
    # when a dispatcher looks every host up
    patched = DomainDispatcherApplication(create_backend_app)
    # then the answers are the same, and remembered per host
    assert {host: patched.get_backend_for_host(host) for host in HOSTS} == expected
    assert patched._pm_backend_by_host == expected
    assert expected["sqs.us-east-1.amazonaws.com"] == "sqs"
