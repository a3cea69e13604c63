"""The store's one error the tasks handle, importable without PynamoDB."""


class StaleServer(Exception):
    """The server changed since it was read."""
