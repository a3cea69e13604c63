"""The webhooks feature's decisions, pure Python: signatures, URLs and addresses, retries and
endpoint health, and the records (endpoints, deliveries, replay jobs)."""
