"""The providers a provisioned server needs, served locally over the same HTTP APIs the real
adapters speak: a "Hostwinds" cloud API whose instances are local servers (SMTP, IMAP and a
MailU admin API on their own loopback address), and the step faults they can be told to show."""
