"""In-memory implementations of the ports, shared by every test tier."""
