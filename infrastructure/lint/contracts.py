"""The import-linter contract for feature packages, written once for every feature.

``chalicelib`` holds shared packages (``core``, ``http``, ``aws``, ``mail``) and one package
per feature. The rules, for every feature package that exists today or is added tomorrow
(nobody has to remember to list a new feature in ``pyproject.toml``):

- a module outside a feature imports only the feature's public surface (the package itself,
  its ``__init__``), never a module inside it: ``chalicelib.sending.store`` is the sending
  feature's business;
- a shared package imports no feature at all.

Imports under ``if TYPE_CHECKING:`` do not count (``exclude_type_checking_imports``).
"""

from __future__ import annotations

from typing import Any

from importlinter import Contract, ContractCheck, fields, output


class FeatureSurfaceContract(Contract):
    """Options: ``container`` (the package holding the features) and ``shared`` (its
    sub-packages that are not features)."""

    type_name = "feature_surface"

    container = fields.StringField()
    shared = fields.ListField(subfield=fields.StringField())

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        container: str = self.container  # type: ignore[assignment]
        shared = {f"{container}.{name}" for name in self.shared}  # type: ignore[attr-defined]
        packages = sorted(graph.find_children(container))
        features = [p for p in packages if p not in shared and graph.find_children(p)]
        links: list[dict[str, Any]] = []
        for feature in features:
            inside = graph.find_descendants(feature)
            for importer in sorted(
                graph.find_modules_that_directly_import(feature, as_package=True)
            ):
                if importer == feature or importer in inside:
                    continue
                for imported in sorted(graph.find_modules_directly_imported_by(importer) & inside):
                    links.append(_link(graph, importer, imported, f"{feature}'s inside"))
        for package in sorted(shared & set(packages)):
            for importer in sorted({package} | graph.find_descendants(package)):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    feature = _feature_of(imported, features)
                    if feature is not None:
                        links.append(_link(graph, importer, imported, f"the {feature} feature"))
        return ContractCheck(kept=not links, metadata={"links": links})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for link in check.metadata["links"]:
            lines = ", ".join(str(n) for n in link["line_numbers"]) or "?"
            output.print_error(
                f"{link['importer']} imports {link['imported']} (l. {lines}): "
                f"it may not reach {link['why']}",
                bold=False,
            )
            output.new_line()


def _feature_of(module: str, features: list[str]) -> str | None:
    for feature in features:
        if module == feature or module.startswith(feature + "."):
            return feature
    return None


def _link(graph: Any, importer: str, imported: str, why: str) -> dict[str, Any]:
    details = graph.get_import_details(importer=importer, imported=imported)
    numbers = tuple(d["line_number"] for d in details)
    return {"importer": importer, "imported": imported, "line_numbers": numbers, "why": why}
