"""The layout of one BENCHMARKS.md section, the same for every contract's."""

from __future__ import annotations


def section(title: str, intro: list[str], tables: list[str], notes: list[str]) -> list[str]:
    """The section's lines: its title, the introduction (if any), each table, then the notes;
    a blank line after each part."""
    lines = [f"## {title}", ""]
    if intro:
        lines += [*intro, ""]
    for table in tables:
        lines += [table, ""]
    return [*lines, *notes, ""]
