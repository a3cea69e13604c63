"""Non-HTTP Lambdas, one module per function; each handler parses its event and calls in."""
