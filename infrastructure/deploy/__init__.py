"""Deploying to AWS (``deploy.py``, with ``artifact.py`` and ``cloud.py``) and its offline
proof (``validate.sh``)."""


class DeployError(RuntimeError):
    """A deploy step failed in a way the operator has to look at."""
