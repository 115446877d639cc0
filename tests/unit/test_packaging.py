"""The wheel ships every subpackage, and the dependencies we rely on are new enough."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"


def pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def packages_on_disk() -> set[str]:
    """Every directory under src/ with an __init__.py, named as it is imported."""
    return {
        ".".join(("bookstore", *init.parent.relative_to(SRC).parts))
        for init in SRC.rglob("__init__.py")
        if "__pycache__" not in init.parts
    }


def test_the_package_list_names_every_subpackage() -> None:
    tool = pyproject()["tool"]
    listed = set(tool["setuptools"]["packages"])  # type: ignore[index]
    missing = packages_on_disk() - listed
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_the_source_folder_maps_to_the_bookstore_package() -> None:
    tool = pyproject()["tool"]
    assert tool["setuptools"]["package-dir"] == {"bookstore": "src"}  # type: ignore[index]
    assert "bookstore" in packages_on_disk()


def test_the_docs_page_assets_are_package_data() -> None:
    """The vendored Swagger UI ships in the wheel: every file matches a package-data glob."""
    package_data = pyproject()["tool"]["setuptools"]["package-data"]  # type: ignore[index]
    globs = package_data["bookstore.entrypoints.http"]
    http = SRC / "entrypoints" / "http"
    assets = [path for path in (http / "swagger-ui").iterdir() if path.is_file()]
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "VERSION"} <= {
        path.name for path in assets
    }
    for path in assets:
        relative = path.relative_to(http)
        assert any(relative.match(pattern) for pattern in globs), relative


FLOORS = {"litestar": "2.22", "pyjwt": "2.14", "bcrypt": "5"}


@pytest.mark.parametrize(("distribution", "floor"), FLOORS.items())
def test_the_installed_dependency_is_at_least_the_floor(distribution: str, floor: str) -> None:
    assert Version(version(distribution)) >= Version(floor)


@pytest.mark.parametrize(("distribution", "floor"), FLOORS.items())
def test_the_project_declares_the_floor(distribution: str, floor: str) -> None:
    dependencies = [Requirement(d) for d in pyproject()["project"]["dependencies"]]  # type: ignore[index]
    [requirement] = [r for r in dependencies if r.name.lower() == distribution]
    below = Version(floor).release
    just_below = ".".join(map(str, (*below[:-1], below[-1] - 1, 999))) if below[-1] else None
    assert requirement.specifier.contains(floor)
    if just_below is not None:
        assert not requirement.specifier.contains(just_below), requirement
