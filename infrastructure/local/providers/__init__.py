"""Local stand-ins for the providers provisioning talks to, over the same HTTP APIs."""
