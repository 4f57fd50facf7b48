"""The README documents every command and every setting, and keeps its two-command promise."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import typer.main

from parley.config import Settings
from parley.entrypoints.cli import app

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")


def _command_paths(command: Any, prefix: str = "parley") -> list[str]:
    if isinstance(getattr(command, "commands", None), dict):
        paths: list[str] = []
        for name, sub in command.commands.items():
            paths.extend(_command_paths(sub, f"{prefix} {name}"))
        return paths
    return [prefix]


def test_every_command_is_shown_in_the_readme() -> None:
    paths = _command_paths(typer.main.get_command(app))
    assert len(paths) >= 9
    missing = [p for p in paths if p not in README]
    assert missing == []


def test_every_setting_is_documented_in_the_readme() -> None:
    names = [f"PARLEY_{f.name.upper()}" for f in dataclasses.fields(Settings)]
    missing = [n for n in names if f"`{n}`" not in README]
    assert missing == []


def test_the_quickstart_is_exactly_make_demo_and_make_test() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quickstart, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    assert commands == ["make demo", "make test"]


def test_ci_runs_make_test() -> None:
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert "make test" in ci
