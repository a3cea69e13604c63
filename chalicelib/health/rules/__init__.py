"""The health feature's decisions, pure: rates from counts, the health score, the alert rules,
the EWMA anomaly detector and the spam-rate forecast."""
