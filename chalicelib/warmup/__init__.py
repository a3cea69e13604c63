"""Warm-up: a new mailbox's daily volume rises along its plan while the pool (opted-in
mailboxes of all tenants) exchanges varied, tagged, untracked mail with it and engages with
what it receives like people do."""
