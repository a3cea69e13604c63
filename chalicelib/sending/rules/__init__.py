"""The sending feature's decisions: messages and their statuses, what an SMTP outcome means
(``delivery``), the guard steps, suppressions, and the signed tracking tokens."""
