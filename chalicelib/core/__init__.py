"""The shared kernel every feature builds on: settings and the resource mapping, errors,
ids, the clock, tenancy, plans, pagination, the event envelope and its publisher port, and
the wiring registry. Pure Python: nothing here imports an SDK or a feature."""
