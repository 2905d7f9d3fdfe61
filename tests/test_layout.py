"""The house rules of the layout: imports flow one way, no cycles, no module over 300 lines."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import PROJECT_DIR, project_sources

# Lower layers never import higher ones; feature packages never import each other. Every other module of
# ghes_packages is core, except the command-line wiring.
FEATURES = ("ghes_packages.appliance", "ghes_packages.verify", "ghes_packages.plan")
# Above the features: the command-line wiring, and rotate, which composes deploy, verify, configure and status.
WIRING = ("ghes_packages.cli", "ghes_packages.rotate")
MAX_LINES = 300


def _module(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_DIR).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) or "__main__"


def _layer(module: str) -> tuple[int, str]:
    """(rank, feature) of a project module; feature is '' outside the feature packages."""
    for feature in FEATURES:
        if module == feature or module.startswith(f"{feature}."):
            return 3, feature
    if any(module == top or module.startswith(f"{top}.") for top in WIRING):
        return 4, ""
    if module == "ghes_packages" or module.startswith("ghes_packages."):
        return 0, ""
    if module.startswith("components"):
        return 1, ""
    if module.startswith("policies"):
        return 2, ""
    return 4, ""  # the Pulumi program (__main__)


def _imports(path: Path, module: str) -> set[str]:
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] in ("ghes_packages", "components", "policies")}


def _sources() -> list[Path]:
    return [p for p in project_sources("__main__.py", "ghes_packages/**/*.py", "components/*.py", "policies/*.py")]


def test_imports_flow_one_way() -> None:
    known = {_module(p) for p in _sources()}
    wrong = []
    for path in _sources():
        module = _module(path)
        rank, feature = _layer(module)
        for imported in _imports(path, module) & known:
            other_rank, other_feature = _layer(imported)
            if other_rank > rank or (feature and other_feature and other_feature != feature):
                wrong.append(f"{module} imports {imported}")
    assert wrong == [], f"imports against the layering (core < components < policies < features < rotate, cli): {wrong}"


def test_no_module_is_over_300_lines() -> None:
    long = {str(p.relative_to(PROJECT_DIR)): n for p in _sources() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}, f"modules over {MAX_LINES} lines: {long}"
