"""The emulator's transactions as the local platform and this tier run them
(``infrastructure.local.moto_patches``): all or nothing, the reasons of a cancellation in
operation order, and nothing written when one condition fails."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError


def _put(table: str, sk: str, **extra) -> dict:
    item = {"tenant_id": {"S": "ten_abcdefghijklmnopqrst"}, "sk": {"S": sk}, **extra}
    return {"Put": {"TableName": table, "Item": item}}


def test_a_failed_condition_cancels_every_write_and_names_itself(aws):
    client = boto3.client("dynamodb", region_name="us-east-1")
    table = aws["CountersTable"]
    client.transact_write_items(TransactItems=[_put(table, "tx#a")])
    duplicate = _put(table, "tx#a")
    duplicate["Put"]["ConditionExpression"] = "attribute_not_exists(sk)"
    with pytest.raises(ClientError) as caught:
        client.transact_write_items(TransactItems=[_put(table, "tx#b"), duplicate])
    reasons = [r["Code"] for r in caught.value.response["CancellationReasons"]]
    assert reasons == ["None", "ConditionalCheckFailed"]
    key = {"tenant_id": {"S": "ten_abcdefghijklmnopqrst"}, "sk": {"S": "tx#b"}}
    assert "Item" not in client.get_item(TableName=table, Key=key)


def test_a_transaction_writes_all_its_items(aws):
    client = boto3.client("dynamodb", region_name="us-east-1")
    table = aws["CountersTable"]
    client.transact_write_items(
        TransactItems=[_put(table, "tx#c", n={"N": "1"}), _put(table, "tx#d", n={"N": "2"})]
    )
    for sk in ("tx#c", "tx#d"):
        key = {"tenant_id": {"S": "ten_abcdefghijklmnopqrst"}, "sk": {"S": sk}}
        assert "Item" in client.get_item(TableName=table, Key=key)
