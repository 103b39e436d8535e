"""Replay outputs: CSV tables, PNG plots and a markdown summary per replay."""

from __future__ import annotations

import csv
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no screen

import matplotlib.pyplot as plt
from matplotlib.figure import Figure


def write_csv(
    path: Path, rows: Sequence[Mapping[str, Any]], provenance: Mapping[str, Any] | None = None
) -> Path:
    """Write rows (dicts with the same keys) as CSV with a header; `provenance` (where the rows
    came from: commit, seed, preset, ...) ends every row, so a row read alone still says it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not rows:
        path.write_text("")
        return path
    rows = [{**row, **(provenance or {})} for row in rows]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


# A replay's settings that change where and how patiently it runs, or its draws, but not which
# sizes it runs: left aside when naming its preset.
NOT_SIZES = ("workers", "ray", "node_wait_s", "seed")


def preset_of(config: Any, paper: Any) -> str:
    """Which sizes `config` (a replay's settings, a dataclass) runs: "paper" (`--paper`'s),
    "quick" (the defaults, as `make demo` runs them) or "custom"."""

    def sizes(settings: Any) -> Any:
        default = type(settings)()
        return replace(
            settings, **{f: getattr(default, f) for f in NOT_SIZES if hasattr(default, f)}
        )

    if sizes(config) == sizes(paper):
        return "paper"
    return "quick" if sizes(config) == sizes(type(config)()) else "custom"


def save_figure(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def new_figure(width: float = 6.4, height: float = 4.2) -> tuple[Figure, Any]:
    figure, axes = plt.subplots(figsize=(width, height))
    axes.grid(True, alpha=0.3)
    return figure, axes


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def below_the_paper(
    run: Any, paper: Any, sizes: Mapping[str, str], notes: Sequence[str] = ()
) -> str:
    """A summary's section on what a run smaller than the paper's cannot show: one line per
    size of `run` below `paper`'s (a number smaller, or a list with fewer points or a smaller
    largest one), then `notes` (what the run's sizes mean for its figures, computed by the
    caller). `sizes` maps a dotted attribute of both configs to what it counts."""

    def value(config: Any, path: str) -> Any:
        for name in path.split("."):
            config = getattr(config, name)
        return config

    def smaller(mine: Any, theirs: Any) -> bool:
        if isinstance(mine, tuple):
            return len(mine) < len(theirs) or max(mine) < max(theirs)
        return bool(mine < theirs)

    def shown(size: Any) -> str:
        return ", ".join(f"{v:g}" for v in size) if isinstance(size, tuple) else f"{size:g}"

    lines = [
        f"- {label}: {shown(value(run, path))} here, {shown(value(paper, path))} under `--paper`"
        for path, label in sizes.items()
        if smaller(value(run, path), value(paper, path))
    ]
    if lines:
        head = (
            "Smaller than the paper's sizes (`--paper`): its figures have the shape of the "
            "paper's, not their precision."
        )
    else:
        head = "Every size is the paper's, or larger."
    body = "\n".join([*lines, *(f"- {note}" for note in notes)])
    return f"## What this run can show\n\n{head}\n" + (f"\n{body}\n" if body else "")


def replace_section(path: Path, title: str, heading: str, body: str) -> Path:
    """Write `## heading` + body into the markdown file at path, replacing that section if it
    is there (up to the next `## `) and keeping every other one: several commands each own one
    section of the same report (RELIABILITY.md). A new file starts with `# title`."""
    text = path.read_text() if path.exists() else f"# {title}\n"
    marker = f"## {heading}\n"
    section = f"{marker}\n{body.strip()}\n"
    start = text.find(marker)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(marker))
        text = text[:start] + section + ("" if end < 0 else text[end:])
    path.write_text(text)
    return path


def checkout_commit(root: Path) -> str:
    """The commit a report's figures come from: the checkout's short hash, marked when tracked
    files differ from it; `unknown` outside git."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return done.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    edited = git("status", "--porcelain", "--untracked-files=no")
    return head + (" + local changes" if edited else "")
