"""How `make test` shares the tiers between its pytest-xdist workers (two for the unit and
functional tiers, three for the integration tier: two pytest runs).

The integration tier is handed out a module at a time (a module's tests run together on one
worker, so a module-scoped platform starts once), every other test one at a time. The unit
and functional tiers go first, then the integration tier with the modules holding a test
marked ``long`` (a scenario run of a minute or more) at its head, so no long test starts
last and leaves the other workers idle. The integration tier comes last because a running
platform costs CPU even when idle (its pumps poll the emulator) and a worker keeps its
session platform until it ends: started first, they slowed the other tiers by minutes.

pytest-xdist's own ``--dist loadgroup`` cannot do this today: it marks a group by renaming
``item._nodeid``, which pytest 9 no longer reads, so every test was its own unit and each
module-scoped platform started on both workers, sometimes twice on one.
"""

from __future__ import annotations

from typing import Any

import pytest

INTEGRATION = "tests/integration/"
_TIERS = ("tests/unit/", "tests/functional/")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "long: a scenario of a minute or more; runs first in the integration tier"
    )


def _rank(item: pytest.Item) -> int:
    path = item.nodeid
    for rank, tier in enumerate(_TIERS):
        if path.startswith(tier):
            return rank
    if path.startswith(INTEGRATION):
        return len(_TIERS) + (0 if item.get_closest_marker("long") is not None else 1)
    return len(_TIERS) + 2


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Unit, functional, then integration with its long scenarios first (stable within
    each); a module keeps its tests together, ranked by its first-ranked test."""
    module_rank: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        module_rank[module] = min(module_rank.get(module, 99), _rank(item))
    items.sort(key=lambda item: module_rank[item.nodeid.split("::", 1)[0]])


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModulesOfTheIntegrationTier(LoadScopeScheduling):  # type: ignore[misc]
        """An integration module is one unit of work; any other test is a unit alone. Units
        are handed out in collection order (no reordering by size)."""

        def __init__(self, config: pytest.Config, log: Any = None) -> None:
            super().__init__(config, log)
            config.option.loadscopereorder = False

        def _split_scope(self, nodeid: str) -> str:
            return nodeid.split("::", 1)[0] if nodeid.startswith(INTEGRATION) else nodeid

    return ModulesOfTheIntegrationTier(config, log)
