"""Campaigns: multi-step outreach sequences (email, wait and condition steps) sent to enrolled
contacts across a rotation of mailboxes, inside sending windows and every mailbox's limits."""
