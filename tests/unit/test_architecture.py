"""The domain is plain Python: it imports the standard library and itself, nothing else."""

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).parents[2] / "src" / "domain"


def _imported_top_level_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_domain_imports_only_the_standard_library_and_itself() -> None:
    allowed = set(sys.stdlib_module_names) | {"__future__", "bookstore"}
    offenders = {
        f"{path.name}: {name}"
        for path in DOMAIN.glob("*.py")
        for name in _imported_top_level_modules(path)
        if name not in allowed
    }
    assert not offenders


def test_the_domain_imports_no_outer_layer_of_the_bookstore() -> None:
    outer = ("bookstore.application", "bookstore.adapters", "bookstore.entrypoints")
    offenders = [
        path.name
        for path in DOMAIN.glob("*.py")
        if any(outer_name in path.read_text(encoding="utf-8") for outer_name in outer)
    ]
    assert not offenders
