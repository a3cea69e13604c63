"""The accounts feature's decisions: tenants, API keys, audit records, notifications."""
