"""A pytest plugin: at the end of a session, how generated command lines ended per CLI and how
many random sequences and steps each contract state machine survived; with
EDGELEDGER_FUZZ_REPORT=<file> (`make fuzz`), each also written there as a markdown section.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from edgeledger.reports import markdown_table, replace_section
from utils.stateful import stateful_summary

# Per CLI: how generated command lines ended (reached the work, refused, usage error, done).
CLI_OUTCOMES: dict[str, Counter[str]] = defaultdict(Counter)


OUTCOMES = ("reached", "refused", "usage", "done")


@pytest.fixture(scope="session")
def cli_outcomes() -> dict[str, Counter[str]]:
    """Where tests/e2e/test_cli_fuzz.py counts how each generated command line ended."""
    return CLI_OUTCOMES


def _written_by_make_fuzz(exitstatus: int) -> str:
    return (
        f"Written by `make fuzz` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; pytest exit "
        f"status {exitstatus} ({'all passed' if exitstatus == 0 else 'FAILED'})."
    )


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int) -> None:
    """How generated command lines ended per CLI, and how many random sequences and steps each
    contract state machine survived; with EDGELEDGER_FUZZ_REPORT=<file> (`make fuzz`), each
    also written there as a markdown section."""
    report = os.environ.get("EDGELEDGER_FUZZ_REPORT")
    if CLI_OUTCOMES:
        header = ["command line", "generated", *OUTCOMES]
        table = [
            (f"`ape run {cli}`", sum(c.values()), *(c[o] for o in OUTCOMES))
            for cli, c in sorted(CLI_OUTCOMES.items())
        ]
        terminalreporter.section("generated command lines")
        for row in table:
            terminalreporter.write_line(
                ", ".join(f"{h} {v}" for h, v in zip(header, row, strict=True))
            )
        if report:
            body = "\n".join(
                [
                    _written_by_make_fuzz(exitstatus),
                    "Hypothesis command lines and generated input "
                    "files (tests/e2e/test_cli_fuzz.py): each reached the command's work, or "
                    "was refused with one `error:` line (exit 1) or click's one `Error:` line "
                    "(exit 2); no traceback, no other exception.",
                    "",
                    markdown_table(header, table),
                ]
            )
            replace_section(Path(report), "Reliability", "Bad input to the CLIs", body)
    rows = stateful_summary()
    if not rows:
        return
    terminalreporter.section("state machines")
    for name, sequences, steps in rows:
        terminalreporter.write_line(f"{name}: {sequences} sequences, {steps} steps")
    if report:
        body = "\n".join(
            [
                _written_by_make_fuzz(exitstatus),
                "Each sequence starts from a chain snapshot; each step is one rule (one or more",
                "transactions) whose outcome, custom error included, the model predicted.",
                "",
                markdown_table(
                    ["state machine", "sequences", "steps"],
                    [(name, f"{sequences:,}", f"{steps:,}") for name, sequences, steps in rows],
                ),
            ]
        )
        replace_section(Path(report), "Reliability", "Stateful fuzzing", body)
