"""A job of stages (`make demo`) resumes: a stage finished with the same settings and code is
kept, one that died runs again, an edit or a new setting runs it again, `fresh` runs all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from edgeledger import stages
from edgeledger.stages import Stage, finished_earlier, run_stages


@dataclass(frozen=True)
class Settings:
    size: int = 1


class Crash(Exception):
    pass


def job(runs: list[str], crash_at: str | None = None, size: int = 1) -> list[Stage]:
    def stage(name: str) -> Stage:
        def run(folder: Path) -> dict[str, Any]:
            runs.append(name)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "out.csv").write_text(name)
            if name == crash_at:
                raise Crash(name)
            return {"stage": name}

        return Stage(name, name.lower(), Settings(size), run)

    return [stage("A"), stage("B"), stage("C")]


def test_a_job_that_died_resumes_at_the_stage_that_died(tmp_path: Path) -> None:
    runs: list[str] = []
    with pytest.raises(Crash):
        list(run_stages(job(runs, crash_at="B"), tmp_path))
    assert runs == ["A", "B"]
    assert finished_earlier(job(runs), tmp_path) == ["A"]

    runs.clear()
    outcomes = list(run_stages(job(runs), tmp_path))
    assert runs == ["B", "C"]
    assert [(o.stage.name, o.kept) for o in outcomes] == [("A", True), ("B", False), ("C", False)]
    assert outcomes[0].headline == {"stage": "A"}  # the kept stage's headline, from its record


def test_new_settings_or_an_edit_run_a_stage_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[str] = []
    list(run_stages(job(runs), tmp_path))
    runs.clear()
    list(run_stages(job(runs, size=2), tmp_path))
    assert runs == ["A", "B", "C"]

    runs.clear()
    monkeypatch.setattr(stages, "code_fingerprint", lambda: "edited")
    list(run_stages(job(runs, size=2), tmp_path))
    assert runs == ["A", "B", "C"]


def test_fresh_empties_every_stage_folder_and_runs_all(tmp_path: Path) -> None:
    runs: list[str] = []
    list(run_stages(job(runs), tmp_path))
    (tmp_path / "a" / "stale.txt").write_text("from before")
    runs.clear()
    outcomes = list(run_stages(job(runs), tmp_path, fresh=True))
    assert runs == ["A", "B", "C"] and not any(o.kept for o in outcomes)
    assert not (tmp_path / "a" / "stale.txt").exists()


def test_a_torn_or_foreign_record_is_not_trusted(tmp_path: Path) -> None:
    runs: list[str] = []
    list(run_stages(job(runs), tmp_path))
    (tmp_path / "a" / "stage.json").write_text('{"settings": "Settings(size=1)", "co')
    (tmp_path / "b" / "stage.json").write_text("[1, 2]")
    runs.clear()
    list(run_stages(job(runs), tmp_path))
    assert runs == ["A", "B"]


def test_the_code_fingerprint_follows_the_content_of_the_sources(tmp_path: Path) -> None:
    module = tmp_path / "edgeledger" / "module.py"
    module.parent.mkdir()
    module.write_text("A = 1\n")
    (tmp_path / "results").mkdir()
    first = stages.fingerprint_of(tmp_path)
    (tmp_path / "results" / "out.csv").write_text("outputs are not code")
    module.touch()
    assert stages.fingerprint_of(tmp_path) == first
    module.write_text("A = 2\n")
    assert stages.fingerprint_of(tmp_path) != first
    assert stages.code_commit()  # a commit, `+edits`, or `unknown` outside git
