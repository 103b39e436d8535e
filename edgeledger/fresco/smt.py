"""FRESCO's Z3 chooser, and the rule that keeps Z3 on one thread.

Why a rule: Z3 contexts are not thread-safe, z3's Python objects free their native side in
`__del__`, and ctypes releases the GIL during every Z3 call. Python's cyclic garbage collector
runs in whichever thread happens to allocate, and a simulation leaves its engine in cyclic
garbage (SimPy's environment, its processes and the device refer to each other). So, before
this rule, rich's refresh thread or the reputation client's sender could free a dead engine's
solver (`Z3_solver_dec_ref`) while the main thread was inside `Z3_solver_check_assumptions` on
the same context: the segmentation fault of `make demo` (issue 17; `tools/z3_race.py` makes it
happen within seconds on the old code).

The rule: each thread that uses Z3 has a context of its own, and every Z3 object lives in that
thread's `_Home`, which only this module refers to, so no Z3 object is ever garbage. A chooser
holds a key into its home, not Z3 objects. When a chooser dies (in any thread, by reference
count or in the collector), its `__del__` only writes the key on its home's retired list; the
home's own thread frees retired solvers the next time it makes or uses a chooser. Z3 temporaries
(models, numerals) live inside one call of `choose` on the owning thread and are dropped before
it returns or raises.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import z3

from edgeledger.fresco.sites import SiteKind

if TYPE_CHECKING:
    from edgeledger.fresco.engines import DecisionView

# The model's constants, declared once per solver; each decision asserts its facts on them.
DECLARATIONS = "".join(
    f"(declare-const {name} Int)"
    for name in ("x", "cost", "rt", "tc", "energy", "cores", "ram", "storage", "rep", "up", "ok")
)


@dataclass
class _Solver:
    """One chooser's Z3 objects, all of its home's context."""

    solver: z3.Solver
    x: z3.ArithRef
    cost: z3.ArithRef


@dataclass
class _Home:
    """One thread's Z3: its context, its choosers' solvers, and the keys of dead choosers."""

    context: z3.Context
    solvers: dict[int, _Solver] = field(default_factory=dict)
    retired: list[int] = field(default_factory=list)  # appended from any thread, freed here

    def free_retired(self) -> None:
        """Free the solvers of dead choosers; called on this home's own thread only."""
        while self.retired:
            key = self.retired.pop()  # atomic: a __del__ elsewhere may append meanwhile
            del self.solvers[key]  # the last reference: z3 frees the solver here


# By thread ident. Reachable from this module for the life of the process, so the collector
# never sees a Z3 object. A dead thread's home stays (its ident may be reused, which is safe:
# the new thread is then the only one using that context).
_HOMES: dict[int, _Home] = {}
_keys = itertools.count()


def _home_of_this_thread() -> tuple[int, _Home]:
    ident = threading.get_ident()
    home = _HOMES.get(ident)
    if home is None:
        home = _HOMES.setdefault(ident, _Home(z3.Context()))
    home.free_retired()
    return ident, home


def live_solvers() -> int:
    """How many solvers this thread's home holds (tests check that dead choosers are freed)."""
    return len(_home_of_this_thread()[1].solvers)


class SmtChooser:
    """Z3 picks the site: over the short list, it asserts every constraint of the model and
    minimises the objective (each model found is cut off by `cost < its cost` until none is
    left). One solver, built once; each decision is a push/pop with that task's facts.

    A chooser is used on the thread that made it (see the module's rule)."""

    def __init__(self) -> None:
        self._thread, home = _home_of_this_thread()
        self._key = next(_keys)
        solver = z3.SolverFor("QF_LIA", ctx=home.context)
        solver.from_string(DECLARATIONS)
        home.solvers[self._key] = _Solver(
            solver, z3.Int("x", home.context), z3.Int("cost", home.context)
        )

    def __del__(self) -> None:
        # Any thread, perhaps inside the garbage collector: no Z3 call here, only a note.
        home = _HOMES.get(self._thread)
        if home is not None:
            home.retired.append(self._key)

    def choose(
        self,
        view: DecisionView,
        shortlist: np.ndarray,
        cost: np.ndarray,
        threshold: int | None,
    ) -> int | None:
        """Index into the view's candidates, or None when the model is unsatisfiable."""
        thread, home = _home_of_this_thread()
        if thread != self._thread:
            raise RuntimeError(
                "a Z3 chooser was used on a thread other than the one that made it; make one "
                "engine per thread (edgeledger.fresco.smt)"
            )
        z = home.solvers[self._key]
        z.solver.push()
        try:
            z.solver.from_string(_facts(view, shortlist, cost, threshold))
            best: int | None = None
            while z.solver.check() == z3.sat:
                best, found = _model_values(z.solver, z.x, z.cost)
                z.solver.add(z.cost < found)
            return best
        finally:
            z.solver.pop()


def _model_values(solver: z3.Solver, *variables: z3.ArithRef) -> list[int]:
    """The current model's integer values of `variables`; the model object is dropped here,
    on the owning thread, even if reading it raises."""
    model = solver.model()
    try:
        return [model[v].as_long() for v in variables]
    finally:
        del model


def _facts(
    view: DecisionView, shortlist: np.ndarray, cost: np.ndarray, threshold: int | None
) -> str:
    """The task's facts and constraints in SMT-LIB, over the shortlisted candidates (integers:
    times and energy in millionths, cores and RAM in thousandths, storage in millionths)."""
    est, task = view.estimate, view.task
    local = view.kind == SiteKind.MOBILE

    def facts(name: str, values: np.ndarray) -> str:
        """`name` equals the chosen candidate's value: if-then-else over the shortlist."""
        chain = "0"
        for i in shortlist[::-1]:
            chain = f"(ite (= x {int(i)}) {int(values[i])} {chain})"
        return f"(assert (= {name} {chain}))"

    us = 1e6
    lines = [
        "(assert (or " + " ".join(f"(= x {int(i)})" for i in shortlist) + "))",
        facts("cost", np.round(cost * 1e9)),
        facts("rt", np.ceil(est.response_s * us)),
        facts("tc", np.floor(view.time_constraint_s * us)),
        facts("energy", np.ceil(est.energy_j * us)),
        facts("cores", np.floor(est.free_cores * 1000)),
        facts("ram", np.floor(est.free_ram_gb * 1000)),
        facts("storage", np.floor(est.free_storage_gb * 1e6)),
        facts("up", view.up_now.astype(int)),
        facts("ok", (local | task.offloadable).astype(int)),
        "(assert (<= rt tc))",
        f"(assert (<= rt {int(view.deadline_left_s * us)}))",
        f"(assert (< energy {int(view.battery_left_j * us)}))",
        "(assert (>= cores 1000))",
        f"(assert (>= ram {int(np.ceil(task.ram_gb * 1000))}))",
        f"(assert (>= storage {int(np.ceil(task.storage_gb * 1e6))}))",
        "(assert (= up 1))",
        "(assert (= ok 1))",
    ]
    if threshold is not None:
        rep = np.where(local, 10**6, view.reputation)
        lines += [facts("rep", rep), f"(assert (>= rep {threshold}))"]
    return "".join(lines)
