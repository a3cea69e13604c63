"""The emulator's plain JSON for DynamoDB item answers (``infrastructure.local.moto_dynamo_json``):
every item operation answers the very body moto's own serializer writes, for items holding
every attribute type, and errors still go through moto. On the tier's session emulator (a
nested ``mock_aws`` would reset every backend, the template's stack included), in a table of
the test's own that it drops again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from infrastructure.local import moto_dynamo_json, moto_patches

TABLE = "pm-test-emulator-json"
ITEM = {
    "pk": {"S": "t#1"},
    "sk": {"S": "m#1"},
    "n": {"N": "12.50"},
    "b": {"B": b"\x00\xffbytes"},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.5"]},
    "bs": {"BS": [b"\x01", b"\x02"]},
    "flag": {"BOOL": False},
    "none": {"NULL": True},
    "empty": {"S": ""},
    "m": {"M": {"in": {"L": [{"S": "x"}, {"N": "0"}, {"M": {}}, {"L": []}]}}},
}


def _operations(client: Any) -> Iterator[str]:
    """Each item operation once; yields its name after the call."""
    key = {"pk": ITEM["pk"], "sk": ITEM["sk"]}
    client.put_item(TableName=TABLE, Item=ITEM, ReturnConsumedCapacity="TOTAL")
    yield "PutItem"
    client.put_item(TableName=TABLE, Item={**ITEM, "sk": {"S": "m#2"}}, ReturnValues="ALL_OLD")
    yield "PutItem"
    client.get_item(TableName=TABLE, Key=key)
    yield "GetItem"
    client.get_item(TableName=TABLE, Key={"pk": {"S": "none"}, "sk": {"S": "none"}})
    yield "GetItem"
    client.update_item(
        TableName=TABLE,
        Key=key,
        UpdateExpression="ADD n :one SET s2 = :s",
        ExpressionAttributeValues={":one": {"N": "1"}, ":s": {"S": "é"}},
        ReturnValues="ALL_NEW",
    )
    yield "UpdateItem"
    client.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "t#1"}},
        ScanIndexForward=False,
        Limit=1,
        ReturnConsumedCapacity="INDEXES",
    )
    yield "Query"
    client.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "nobody"}},
    )
    yield "Query"
    client.scan(TableName=TABLE, ProjectionExpression="pk, b, m")
    yield "Scan"
    client.batch_get_item(RequestItems={TABLE: {"Keys": [key, {**key, "sk": {"S": "m#9"}}]}})
    yield "BatchGetItem"
    client.batch_write_item(
        RequestItems={TABLE: [{"PutRequest": {"Item": {**key, "x": ITEM["b"]}}}]}
    )
    yield "BatchWriteItem"
    client.transact_get_items(TransactItems=[{"Get": {"TableName": TABLE, "Key": key}}])
    yield "TransactGetItems"
    client.transact_write_items(
        TransactItems=[{"Put": {"TableName": TABLE, "Item": {**ITEM, "sk": {"S": "m#3"}}}}]
    )
    yield "TransactWriteItems"
    client.delete_item(TableName=TABLE, Key=key, ReturnValues="ALL_OLD")
    yield "DeleteItem"


def _bodies(fast: bool) -> list[tuple[str, Any]]:
    """The raw answer of each operation on a new table (dropped after), with the plain writer
    on or off."""
    moto_dynamo_json.switch["on"] = fast
    seen: list[tuple[str, bytes]] = []
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName=TABLE,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.meta.events.register(
        "after-call.dynamodb",
        lambda http_response, model, **_: seen.append((model.name, http_response.content)),
    )
    try:
        names = list(_operations(client))
    finally:
        client.delete_table(TableName=TABLE)
        moto_dynamo_json.switch["on"] = True
    answers = [(name, json.loads(body)) for name, body in seen if name in names]
    assert [name for name, _ in answers] == names
    return answers


@pytest.fixture(autouse=True)
def _patched(aws) -> None:
    moto_patches.apply()


def test_every_item_operation_answers_the_body_moto_writes():
    # given the same operations on a fresh account, once through moto's serializer
    expected = _bodies(fast=False)
    # when they run again through the plain writer
    actual = _bodies(fast=True)
    # then every body is the same JSON, and every item operation was compared
    assert actual == expected
    assert {name for name, _ in actual} == moto_dynamo_json.ITEM_OPERATIONS
    assert any("b" in body.get("Item", {}) for _, body in actual)  # bytes were compared


def test_an_error_still_answers_through_moto():
    # given the plain writer on
    client = boto3.client("dynamodb", region_name="us-east-1")
    # when an item operation fails; then the error is moto's, parsed as AWS's
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_item(TableName="pm-test-missing", Key={"pk": {"S": "x"}})
