"""Hypothesis state machines against the chain, and how many sequences and steps each ran (the
reliability report shows them).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, run_state_machine_as_test

# Per state machine: sequences (examples) and steps (rule calls) that ran this session.
STATEFUL_RUNS: dict[str, Counter[str]] = defaultdict(Counter)


def run_stateful(machine: type[RuleBasedStateMachine], examples: int, steps: int) -> None:
    """Run a chain state machine (each example restores its own snapshot) without deadlines:
    every step is a transaction over RPC. Counts what ran (STATEFUL_RUNS)."""
    counts = STATEFUL_RUNS[machine.__name__]

    class Counted(machine):  # type: ignore[valid-type, misc]
        def __init__(self) -> None:
            super().__init__()
            counts["sequences"] += 1

        @invariant()
        def count_steps(self) -> None:
            # Invariants run once after the set-up and once after every rule.
            counts["checks"] += 1

    Counted.__name__ = machine.__name__
    run_state_machine_as_test(
        Counted,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )


def stateful_summary() -> list[tuple[str, int, int]]:
    """(machine, sequences, steps) for every state machine that ran."""
    return [
        (name, c["sequences"], c["checks"] - c["sequences"])
        for name, c in sorted(STATEFUL_RUNS.items())
    ]
