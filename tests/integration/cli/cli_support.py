"""Running `bookstore` as a real process, in a scratch directory with its own settings."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

COMMAND_TIMEOUT = 60
FAST_BCRYPT_ROUNDS = "4"


@dataclass(frozen=True)
class Cli:
    """`bookstore` run from `workdir`, with only the BOOKSTORE_* settings given here."""

    workdir: Path
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        return self.settings["BOOKSTORE_DATABASE_URL"]

    def env(self, **overrides: str) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("BOOKSTORE_")}
        return {**inherited, **self.settings, **overrides}

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "bookstore.entrypoints.cli", *args]

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args),
            cwd=self.workdir,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )


def sqlite_cli(workdir: Path) -> Cli:
    url = f"sqlite:///{workdir / 'bookstore.db'}"
    return Cli(
        workdir,
        {"BOOKSTORE_DATABASE_URL": url, "BOOKSTORE_BCRYPT_ROUNDS": FAST_BCRYPT_ROUNDS},
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], exit_code: int) -> str:
    """The command failed with `exit_code` and one `Error:` line, no traceback; the line."""
    output = result.stdout + result.stderr
    assert result.returncode == exit_code, output
    assert "Traceback" not in output, output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, output
    return errors[0]
