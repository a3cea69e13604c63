"""The accounts use cases, written against the ports only: ``tenants`` (tenants, API keys,
authentication, the audit log, usage) and ``notifications`` (the notifier's delivery).
Nothing is imported here, so a Lambda loads only the module it uses."""
