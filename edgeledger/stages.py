"""Finished stages of a long job, recognised by their settings and by the code that ran them.

A job made of stages (`make demo`) writes a record beside each finished stage's outputs. Run
again, it skips a stage whose record names the same settings and the same code, and runs the
others: a job that died resumes where it stopped, and an edit (to the package, the contracts,
the scripts or the pinned tools) never serves stale results.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# What decides a stage's results: the code, the contracts, the pinned tools and settings.
CODE = ("edgeledger", "contracts", "interfaces", "scripts")
PINS = ("ape-config.yaml", "requirements.txt", "package-lock.json")
RECORD = "stage.json"


@cache
def code_fingerprint() -> str:
    """The fingerprint of this checkout (computed once per process)."""
    return fingerprint_of(ROOT)


def fingerprint_of(root: Path) -> str:
    """A hash of every source file that decides results (content, not modification time)."""
    digest = hashlib.sha256()
    files = [p for folder in CODE for p in (root / folder).rglob("*") if _is_source(p)]
    files += [root / name for name in PINS if (root / name).exists()]
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@cache
def code_commit() -> str:
    """The checkout's commit, `+edits` if files differ from it; `unknown` outside git."""
    try:
        commit = _git("rev-parse", "--short=12", "HEAD")
        edited = _git("status", "--porcelain", "--untracked-files=no", "--", *CODE, *PINS)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+edits" if edited else "")


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def _is_source(path: Path) -> bool:
    return path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"


@dataclass(frozen=True)
class StageRecord:
    """The record of one stage, kept in its output folder."""

    name: str
    folder: Path
    settings: str  # what the stage was asked to do (a config's repr)

    @property
    def path(self) -> Path:
        return self.folder / RECORD

    def finished(self) -> dict[str, Any] | None:
        """The headline of an earlier run with these settings and this code, if there is one."""
        try:
            record = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict):
            return None
        if record.get("settings") != self.settings or record.get("code") != code_fingerprint():
            return None
        headline = record.get("headline")
        return headline if isinstance(headline, dict) else None

    def mark_finished(self, headline: dict[str, Any]) -> None:
        """Written last, once every output of the stage is on disk."""
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {
            "stage": self.name,
            "settings": self.settings,
            "code": code_fingerprint(),
            "commit": code_commit(),
            "headline": headline,
        }
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps(record, indent=2, default=str))
        partial.replace(self.path)  # atomic: a record is whole or absent

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Stage:
    """One stage of a job: what it is asked to do, and how to run it into its folder."""

    name: str
    folder: str  # below the job's output folder
    settings: Any  # a config dataclass: its repr identifies what the stage does
    run: Callable[[Path], dict[str, Any]]  # writes into the folder, returns the headline


@dataclass(frozen=True)
class StageOutcome:
    stage: Stage
    folder: Path
    headline: dict[str, Any]
    kept: bool  # finished by an earlier run with the same settings and code


def finished_earlier(stages: Sequence[Stage], out: Path) -> list[str]:
    """The names of the stages an earlier run finished with these settings and this code."""
    return [s.name for s in stages if _record(s, out).finished() is not None]


def run_stages(stages: Sequence[Stage], out: Path, fresh: bool = False) -> Iterator[StageOutcome]:
    """Run each stage unless an earlier run finished it with the same settings and code; with
    `fresh`, every stage's folder is emptied and every stage runs. A stage that raises leaves
    no record, so the next run starts it again."""
    for stage in stages:
        record = _record(stage, out)
        if fresh and record.folder.exists():
            shutil.rmtree(record.folder)
        headline = record.finished()
        if headline is not None:
            yield StageOutcome(stage, record.folder, headline, kept=True)
            continue
        record.forget()  # outputs are about to change: no record may vouch for them meanwhile
        headline = stage.run(record.folder)
        record.mark_finished(headline)
        yield StageOutcome(stage, record.folder, headline, kept=False)


def _record(stage: Stage, out: Path) -> StageRecord:
    return StageRecord(stage.name, out / stage.folder, repr(stage.settings))
