"""The OLAP tier in the template against its one declaration in code: the Glue table's
columns and partitions are ``olap.COLUMNS``, Firehose writes where the query adapters read
(``olap.PREFIX``, ``tenant_id=<t>/day=<d>/``), partitions are projected (tenant injected:
Athena itself refuses a query without it), the work group caps every query, and the Firehose
role reaches only the stream, the analytics prefixes and the table."""

from __future__ import annotations

from chalicelib.analytics import olap
from infrastructure.local import template as tpl

RESOURCES = tpl.load()["Resources"]
TABLE = RESOURCES["AnalyticsEvents"]["Properties"]["TableInput"]
FIREHOSE = RESOURCES["AnalyticsDeliveryStream"]["Properties"]
S3 = FIREHOSE["ExtendedS3DestinationConfiguration"]


def test_the_glue_table_columns_are_olap_columns():
    columns = [(c["Name"], c["Type"]) for c in TABLE["StorageDescriptor"]["Columns"]]
    partitions = [(c["Name"], c["Type"]) for c in TABLE["PartitionKeys"]]
    assert TABLE["Name"] == olap.TABLE
    assert columns == list(olap.data_columns())
    assert partitions == [(n, t) for n, t in olap.COLUMNS if n in olap.PARTITIONS]
    assert [n for n, _ in partitions] == list(olap.PARTITIONS)


def test_partitions_are_projected_never_crawled():
    p = TABLE["Parameters"]
    assert p["projection.enabled"] == "true"
    assert p["projection.tenant_id.type"] == "injected"
    assert (p["projection.day.type"], p["projection.day.format"]) == ("date", "yyyy-MM-dd")
    assert p["projection.day.range"] == "2024-01-01,NOW"
    template = p["storage.location.template"]["Fn::Sub"]
    assert template.endswith(f"/{olap.PREFIX}tenant_id=${{!tenant_id}}/day=${{!day}}/")
    assert not [r for r in RESOURCES.values() if r["Type"] == "AWS::Glue::Crawler"]


def test_firehose_writes_parquet_where_the_adapters_read():
    # deployed: the transformation Lambda's rows, partitioned by the keys it returns
    condition, deployed, stackless = S3["Prefix"]["Fn::If"]
    assert condition == "Deployed"
    for prefix, source in ((deployed, "Lambda"), (stackless, "Query")):
        assert prefix == (
            f"{olap.PREFIX}tenant_id=!{{partitionKeyFrom{source}:tenant_id}}"
            f"/day=!{{partitionKeyFrom{source}:day}}/"
        )
    assert olap.partition_prefix("T", "D") == "analytics/events/tenant_id=T/day=D/"
    assert S3["ErrorOutputPrefix"].startswith("analytics/errors/")
    assert S3["DynamicPartitioningConfiguration"]["Enabled"] is True
    condition, (transform,), (extract,) = S3["ProcessingConfiguration"]["Processors"]["Fn::If"]
    assert condition == "Deployed" and transform["Type"] == "Lambda"
    lambda_arn = {p["ParameterName"]: p["ParameterValue"] for p in transform["Parameters"]}
    assert lambda_arn["LambdaArn"] == {"Fn::GetAtt": ["OlapTransformFunction", "Arn"]}
    function = RESOURCES["OlapTransformFunction"]["Properties"]
    assert function["Handler"] == "functions.olap_transform.handler"
    query = {p["ParameterName"]: p["ParameterValue"] for p in extract["Parameters"]}
    assert query["MetadataExtractionQuery"] == "{tenant_id:.tenant_id,day:.occurred_at[0:10]}"
    conversion = S3["DataFormatConversionConfiguration"]
    assert conversion["SchemaConfiguration"]["TableName"] == {"Ref": "AnalyticsEvents"}
    assert "ParquetSerDe" in conversion["OutputFormatConfiguration"]["Serializer"]
    assert S3["BufferingHints"]["SizeInMBs"] >= 64  # dynamic partitioning's least
    source = FIREHOSE["KinesisStreamSourceConfiguration"]["KinesisStreamARN"]
    assert source == {"Fn::GetAtt": ["EventsStream", "Arn"]}


def test_the_work_group_caps_each_query_and_keeps_results_under_analytics():
    config = RESOURCES["AnalyticsWorkGroup"]["Properties"]["WorkGroupConfiguration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["BytesScannedCutoffPerQuery"] == 1024**3
    location = config["ResultConfiguration"]["OutputLocation"]["Fn::Sub"]
    assert location == "s3://${DataBucket}/analytics/results/"


def test_the_firehose_role_reaches_only_what_delivery_needs():
    (policy,) = RESOURCES["AnalyticsDeliveryRole"]["Properties"]["Policies"]
    for statement in policy["PolicyDocument"]["Statement"]:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        assert all("*" not in a for a in actions), actions
        resources = statement["Resource"]
        resources = resources if isinstance(resources, list) else [resources]
        assert "*" not in resources
        writes = [a for a in actions if a in ("s3:PutObject", "s3:AbortMultipartUpload")]
        if writes:
            assert {r["Fn::Sub"] for r in resources} == {
                "${DataBucket.Arn}/analytics/events/*",
                "${DataBucket.Arn}/analytics/errors/*",
            }


def test_the_transformation_reads_only_messages_and_only_firehose_calls_it():
    (policy,) = RESOURCES["OlapTransformRole"]["Properties"]["Policies"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == "dynamodb:BatchGetItem"
    assert statement["Resource"] == {"Fn::GetAtt": ["MessagesTable", "Arn"]}
    invoke = RESOURCES["AnalyticsDeliveryTransformPolicy"]
    assert invoke["Condition"] == "Deployed"
    assert invoke["Properties"]["Roles"] == [{"Ref": "AnalyticsDeliveryRole"}]
    (statement,) = invoke["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Resource"] == {"Fn::GetAtt": ["OlapTransformFunction", "Arn"]}
    assert set(statement["Action"]) == {"lambda:InvokeFunction", "lambda:GetFunctionConfiguration"}
