"""Implementations of the ports: the only code that imports an SDK or talks to a server."""
