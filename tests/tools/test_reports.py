"""The shared report helpers: several commands each own one section of RELIABILITY.md."""

import subprocess
from pathlib import Path

from edgeledger.reports import checkout_commit, replace_section


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
