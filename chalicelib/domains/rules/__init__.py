"""The domains feature's decisions: domains and DKIM keys, the DNS records a sending domain
needs and how they are written, and what verification means."""
