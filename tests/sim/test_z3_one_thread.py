"""Z3 stays on one thread (edgeledger/fresco/smt.py): a dead chooser's solver is never freed by
the garbage collector on another thread, and the reproducer of issue 17's segmentation fault
(tools/z3_race.py, which crashed within about a second on the code before the rule) finishes."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import z3

from edgeledger.fresco import smt
from edgeledger.fresco.smt import SmtChooser, live_solvers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def solver_frees(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The thread of every Z3_solver_dec_ref (z3 frees a solver's native side there)."""
    threads: list[int] = []
    original = z3.z3.Z3_solver_dec_ref

    def recording(*args: Any) -> Any:
        threads.append(threading.get_ident())
        return original(*args)

    monkeypatch.setattr(z3.z3, "Z3_solver_dec_ref", recording)
    return threads


def _collect_on_another_thread() -> None:
    collector = threading.Thread(target=gc.collect)
    collector.start()
    collector.join()


def test_a_dead_chooser_in_cyclic_garbage_is_freed_on_its_own_thread_only(
    solver_frees: list[int],
) -> None:
    gc.collect()  # earlier tests' garbage dies here, on this thread, ...
    before = live_solvers()  # ... and its solvers are freed here
    solver_frees.clear()
    cycle: list[Any] = [SmtChooser()]
    cycle.append(cycle)  # like an engine held by a finished SimPy environment
    assert live_solvers() == before + 1
    del cycle

    _collect_on_another_thread()  # the chooser dies there ...
    assert solver_frees == []  # ... but its solver is not freed there

    assert live_solvers() == before  # the owning thread's next Z3 use frees it
    assert solver_frees == [threading.get_ident()]


def test_a_chooser_refuses_to_run_on_another_thread() -> None:
    chooser = SmtChooser()
    errors: list[BaseException] = []

    def use() -> None:
        try:
            chooser.choose(None, None, None, None)  # type: ignore[arg-type]
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=use)
    worker.start()
    worker.join()
    assert len(errors) == 1 and isinstance(errors[0], RuntimeError)
    assert "thread" in str(errors[0])


def test_each_thread_has_a_context_of_its_own() -> None:
    contexts: list[z3.Context] = []

    def make() -> None:
        SmtChooser()
        contexts.append(smt._HOMES[threading.get_ident()].context)

    worker = threading.Thread(target=make)
    worker.start()
    worker.join()
    SmtChooser()
    assert contexts[0] is not smt._HOMES[threading.get_ident()].context


def test_the_race_reproducer_finishes() -> None:
    """Decisions on the main thread, fresh engines every run (left in cyclic garbage by their
    simulations), and a thread that allocates all along so the collector runs there: on the
    code before the rule this crashed within about a second."""
    race = ["--attempts", "1", "--seconds", "10", "--load", "simulate", "--churn"]
    done = subprocess.run(
        [sys.executable, "tools/z3_race.py", *race],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 finished, 0 crashed, 0 hung, 0 failed" in done.stdout
