"""The README runs as written: its curl walk-through against a live server, and its Python
examples as one script, printing what their comments say. The blocks run are the ones marked
`<!-- tested: ... -->` just before them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from docs_support import require

README = Path(__file__).resolve().parents[3] / "README.md"
DOCUMENTED_ADDRESS = "http://127.0.0.1:8000"
_TESTED_BLOCK = re.compile(
    r"^<!-- tested:[^>]*-->\n```(\w+)\n(.*?)\n```$", re.MULTILINE | re.DOTALL
)
_PRINTS = re.compile(r"^print\(.*\)\s+# (.+)$", re.MULTILINE)
TIMEOUT = 120


def readme_blocks(language: str) -> list[str]:
    return [code for lang, code in _TESTED_BLOCK.findall(README.read_text()) if lang == language]


def json_documents(text: str) -> list[Any]:
    """Each JSON document curl printed (curl adds no newline between them)."""
    decoder, documents, position = json.JSONDecoder(), [], 0
    while position < len(text := text.strip()):
        document, end = decoder.raw_decode(text, position)
        documents.append(document)
        position = end
        while position < len(text) and text[position].isspace():
            position += 1
    return documents


def test_the_readme_marks_its_walk_through_and_its_python_examples() -> None:
    assert len(readme_blocks("sh")) == 1
    assert len(readme_blocks("python")) == 2
    assert all(code.isascii() for code in readme_blocks("sh") + readme_blocks("python"))


def test_the_curl_walk_through_runs_as_written(server_url: str, tmp_path: Path) -> None:
    require(shutil.which("curl") is not None, "curl", "apt-get install curl; .ci/run does")
    [script] = readme_blocks("sh")
    assert DOCUMENTED_ADDRESS in script
    script = script.replace(DOCUMENTED_ADDRESS, server_url)  # its own port, not 8000

    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "/problems/" not in result.stdout, result.stdout
    user, search, book, cart, order, replayed, orders = json_documents(result.stdout)
    assert user["email"] == "ada@example.com"
    assert search["items"]
    assert all("Tolkien" in found["author"] for found in search["items"])
    assert book["id"] == 7
    assert cart["total_quantity"] == 2
    assert order["status"] == "placed"
    assert replayed["id"] == order["id"]
    assert orders["total"] == 1
    assert orders["items"][0]["id"] == order["id"]


def test_the_python_examples_print_what_their_comments_say(tmp_path: Path) -> None:
    script = "\n\n".join(readme_blocks("python"))
    expected = _PRINTS.findall(script)
    assert expected

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected
    assert (tmp_path / "shop.db").is_file()
