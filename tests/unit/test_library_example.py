"""The README's library example runs as written and prints what its comments say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
HEADING = "## Use it as a library"


def library_example() -> str:
    """The first ```python block after the library heading."""
    text = README.read_text(encoding="utf-8")
    assert HEADING in text, f"README.md has no '{HEADING}' section"
    after_heading = text.split(HEADING, 1)[1]
    block = re.search(r"^```python\n(.*?)^```", after_heading, re.MULTILINE | re.DOTALL)
    assert block is not None, f"no ```python block under '{HEADING}'"
    return block.group(1)


def promised_output(code: str) -> list[str]:
    """The output the example's `print(...)  # output` comments promise."""
    return [
        line.split("#", 1)[1].strip()
        for line in code.splitlines()
        if line.lstrip().startswith("print(") and "#" in line
    ]


def test_the_readme_library_example_runs_and_prints_what_it_promises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # whatever it writes stays out of the checkout
    code = library_example()
    exec(compile(code, f"{README}:library-example", "exec"), {"__name__": "readme_example"})  # noqa: S102
    printed = capsys.readouterr().out.splitlines()
    assert printed == promised_output(code)
