"""HTTP layer: one Blueprint per resource; parse, call the domain, shape the reply."""
