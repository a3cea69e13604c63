"""The feature-surface import contract ``make lint`` runs, on small import graphs: it holds
for every feature package without a list of them, and names each import that breaks it."""

from __future__ import annotations

import grimp

from infrastructure.lint.contracts import FeatureSurfaceContract

MODULES = [
    "app",
    "app.core",
    "app.core.ids",
    "app.http",
    "app.http.views",
    "app.orders",
    "app.orders.store",
    "app.orders.service",
    "app.billing",
    "app.billing.service",
    "workers",
    "workers.job",
]


def _check(*imports: tuple[str, str]):
    graph = grimp.ImportGraph()
    for module in MODULES:
        graph.add_module(module)
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported, line_number=3, line_contents="")
    options = {"container": "app", "shared": ["core", "http"]}
    return FeatureSurfaceContract("features", {}, options).check(graph, verbose=False)


def _broken(check) -> set[tuple[str, str]]:
    return {(link["importer"], link["imported"]) for link in check.metadata["links"]}


def test_imports_of_public_surfaces_and_inside_a_feature_keep_the_contract():
    check = _check(
        ("app.billing.service", "app.orders"),  # another feature's public surface
        ("app.orders", "app.orders.service"),  # a feature's surface re-exports its inside
        ("app.orders.service", "app.orders.store"),  # inside one feature
        ("app.orders.service", "app.core.ids"),  # a feature uses a shared package
        ("workers.job", "app.orders"),  # a function uses a public surface
    )
    assert check.kept and _broken(check) == set()


def test_reaching_inside_another_feature_breaks_it_for_any_feature_not_only_listed_ones():
    check = _check(
        ("app.billing.service", "app.orders.store"),
        ("workers.job", "app.billing.service"),
    )
    assert not check.kept
    assert _broken(check) == {
        ("app.billing.service", "app.orders.store"),
        ("workers.job", "app.billing.service"),
    }


def test_a_shared_package_that_imports_a_feature_breaks_it():
    check = _check(("app.http.views", "app.orders"), ("app.core", "app.billing.service"))
    assert not check.kept
    assert ("app.http.views", "app.orders") in _broken(check)
    assert ("app.core", "app.billing.service") in _broken(check)
