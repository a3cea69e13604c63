"""Shared AWS plumbing: one boto3 session and its clients, Powertools' logger and metrics,
DynamoDB paging and model binding, and the S3 / SQS / Kinesis / Secrets Manager helpers every
feature uses. Built lazily through the wiring registry; nothing here knows a feature."""
