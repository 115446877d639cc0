"""Tools the newcomer tests need beyond Python: skipped with the reason when missing, except
under CI=true, where `.ci/run` installs them and a missing one fails."""

from __future__ import annotations

import os

import pytest


def require(available: bool, what: str, how: str) -> None:
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing under CI=true: {how}", pytrace=False)
    pytest.skip(f"{what} is missing ({how})")
