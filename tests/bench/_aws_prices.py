"""List prices the cost bench bills with: us-east-1, on-demand, x86, no free tier, no
volume discount. Each constant names its pricing page. The figures are AWS's published
list prices as of 2025 (DynamoDB on-demand after the November 2024 cut); they were not
re-fetched when this file was written (2026-12-02) — check the page before quoting a bill.
"""

from __future__ import annotations

GB = 1024**3
HOURS_PER_MONTH = 730
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600

PRICE = {
    # https://aws.amazon.com/api-gateway/pricing/ — REST APIs, first 333 M requests/month
    "apigw_request": 3.50e-6,
    # https://aws.amazon.com/lambda/pricing/ — x86, requests and duration (per GB-second)
    "lambda_request": 0.20e-6,
    "lambda_gb_s": 0.0000166667,
    # https://aws.amazon.com/sqs/pricing/ — standard queues, per request (64 KB chunks)
    "sqs": 0.40e-6,
    # https://aws.amazon.com/dynamodb/pricing/on-demand/ — write / read request units,
    # table storage per GB-month, continuous backups (PITR) per GB-month
    "wru": 0.625e-6,
    "rru": 0.125e-6,
    "dynamodb_gb_month": 0.25,
    "pitr_gb_month": 0.20,
    # https://aws.amazon.com/s3/pricing/ — S3 Standard: PUT/COPY/POST/LIST per request,
    # GET per request, storage per GB-month (first 50 TB); DELETE is free
    "s3_put": 0.005e-3,
    "s3_get": 0.0004e-3,
    "s3_gb_month": 0.023,
    # https://aws.amazon.com/kinesis/data-streams/pricing/ — provisioned mode: shard-hour,
    # PUT payload unit (25 KB); reads by Lambda's event source mapping are not charged
    "shard_hour": 0.015,
    "kinesis_unit": 0.014e-6,
    # https://aws.amazon.com/cloudwatch/pricing/ — Logs: standard ingestion per GB,
    # storage per GB-month (billed compressed; uncompressed here, an upper bound);
    # custom metrics (EMF) per metric-month, first 10,000
    "logs_gb": 0.50,
    "logs_gb_month": 0.03,
    "metric_month": 0.30,
    # https://aws.amazon.com/secrets-manager/pricing/ — per secret-month, per API call
    "secret_month": 0.40,
    "secrets_call": 0.05e-4,
    # https://aws.amazon.com/kms/pricing/ — requests to the AWS managed key aws/dynamodb
    # (the template's SSESpecification) per request
    "kms_request": 0.03e-4,
    # https://aws.amazon.com/route53/pricing/ — hosted zone per month (first 25 zones)
    "hosted_zone_month": 0.50,
    # https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer — out to the internet,
    # first 10 TB/month (the SMTP conversation with the tenant's server)
    "egress_gb": 0.09,
}
SES_PER_1000 = 0.10  # https://aws.amazon.com/ses/pricing/ — outbound email, per 1,000
GOAL_PER_1000 = 0.03

# Lambda writes START, END and REPORT lines for every invocation (text log format); their
# size with a 36-character request id, as the Python 3.11 runtime prints them.
PLATFORM_LOG_BYTES = 300
# Lambda's SQS event source polls each queue with long polls (20 s) from at least five
# pollers when idle (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html): an estimate.
SQS_IDLE_POLLS_PER_QUEUE_MONTH = 5 * SECONDS_PER_MONTH / 20
# DynamoDB asks KMS for the table key about every 5 minutes per table in use (its data-key
# cache, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.howitworks.html).
KMS_REQUESTS_PER_TABLE_MONTH = 12 * HOURS_PER_MONTH
