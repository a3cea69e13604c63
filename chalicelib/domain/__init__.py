"""Decisions and rules, pure Python: no AWS SDK, Chalice, PynamoDB, SMTP or DNS imports."""
