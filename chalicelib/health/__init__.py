"""Health: deliverability health of sending domains and mailboxes (a score out of 100 in four
parts), alerts with their actions (pause a mailbox, a domain's mailboxes or a campaign;
throttle a mailbox), the EWMA anomaly detector, the spam-rate forecast and the DNSBL checks.
Nothing imports this feature but ``app.py`` and ``functions/``: it reads every other one."""
