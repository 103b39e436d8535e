"""The shared report helpers: several commands each own one section of RELIABILITY.md."""

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from edgeledger.reports import below_the_paper, checkout_commit, replace_section


@dataclass(frozen=True)
class Inner:
    applications: int = 10


@dataclass(frozen=True)
class Sizes:
    runs: int = 3
    points: tuple[float, ...] = (1.0, 2.0)
    inner: Inner = field(default_factory=Inner)


SIZES = {"runs": "runs", "points": "points", "inner.applications": "applications"}


def test_below_the_paper__names_each_smaller_size_and_only_those() -> None:
    paper = Sizes(runs=100, points=(1.0, 2.0), inner=Inner(100))

    section = below_the_paper(Sizes(), paper, SIZES, ["a computed note"])

    assert "- runs: 3 here, 100 under `--paper`" in section
    assert "- applications: 10 here, 100 under `--paper`" in section
    assert "points" not in section  # the same points
    assert section.rstrip().endswith("- a computed note")


def test_below_the_paper__a_list_is_smaller_with_fewer_points_or_a_smaller_largest() -> None:
    fewer = below_the_paper(Sizes(points=(1.0,)), Sizes(), SIZES)
    lower = below_the_paper(Sizes(points=(0.5, 1.0)), Sizes(), SIZES)
    larger = below_the_paper(Sizes(runs=5, points=(1.0, 2.0, 4.0)), Sizes(), SIZES)

    assert "- points: 1 here, 1, 2 under `--paper`" in fewer
    assert "- points: 0.5, 1 here, 1, 2 under `--paper`" in lower
    assert "Every size is the paper's, or larger." in larger and "- " not in larger


def test_replace_section__keeps_the_other_sections(tmp_path: Path) -> None:
    report = tmp_path / "REPORT.md"
    replace_section(report, "Reliability", "Stateful fuzzing", "old counts")
    replace_section(report, "Reliability", "Mutation testing", "kill share")
    replace_section(report, "Reliability", "Stateful fuzzing", "new counts")

    text = report.read_text()
    assert text.startswith("# Reliability\n")
    assert "old counts" not in text
    assert text.index("## Stateful fuzzing\n\nnew counts") < text.index("## Mutation testing")
    assert text.count("## ") == 2
    assert text.endswith("kill share\n")


def test_checkout_commit__marks_edited_tracked_files_only(tmp_path: Path) -> None:
    assert checkout_commit(tmp_path) == "unknown"  # not a git checkout

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "a.txt").write_text("a\n")
    git("add", "a.txt")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=tmp_path, capture_output=True, text=True
    ).stdout.strip()
    (tmp_path / "untracked.txt").write_text("not part of the figures\n")
    assert checkout_commit(tmp_path) == head
    (tmp_path / "a.txt").write_text("b\n")
    assert checkout_commit(tmp_path) == f"{head} + local changes"
