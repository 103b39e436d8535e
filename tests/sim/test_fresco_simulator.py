"""The simulator: the same seed gives the same run, failures are retried elsewhere and
reported, and what the engines report is what happened."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pytest

from edgeledger.fresco.applications import built_in
from edgeledger.fresco.availability import Availability
from edgeledger.fresco.engines import Decision, DecisionView, all_engines, fresco
from edgeledger.fresco.simulator import LocalReputation, SimulationConfig, build_world, simulate
from edgeledger.fresco.sites import SiteKind

CONFIG = SimulationConfig(applications=6, towers=12, cells=2)


def summary(result: object) -> list[tuple[float, ...]]:
    return [
        (a.response_s, a.energy_j, a.cost, a.attempts, a.failures, *a.placements)
        for a in result.applications  # type: ignore[attr-defined]
    ]


def test_simulate__same_seed_same_run_for_every_engine() -> None:
    app = built_in("mobiar")
    for engine_a, engine_b in zip(all_engines(), all_engines(), strict=True):
        first = simulate(build_world(app, CONFIG, 7), engine_a, LocalReputation(), 1)
        again = simulate(build_world(app, CONFIG, 7), engine_b, LocalReputation(), 1)
        assert summary(first) == summary(again), engine_a.name
    other = simulate(build_world(app, CONFIG, 8), fresco(), LocalReputation(), 1)
    assert summary(other) != summary(first)


@dataclass
class Recording(LocalReputation):
    seen: list[tuple[int, float, float, bool]] = field(default_factory=list)
    batches: int = 0

    def report(self, site: int, response_s: float, constraint_s: float, succeeded: bool) -> None:
        self.seen.append((site, response_s, constraint_s, succeeded))
        super().report(site, response_s, constraint_s, succeeded)

    def end_application(self) -> None:
        self.batches += 1


@dataclass
class FirstServer:
    """Always the first remote candidate: makes the test's failures predictable."""

    name: str = "first"

    def decide(self, view: DecisionView) -> Decision:
        servers = view.candidates[view.kind != SiteKind.MOBILE]
        return Decision(int(servers[0]))


def test_simulate__a_site_that_fails_is_reported_and_the_task_retried_elsewhere() -> None:
    app = built_in("intrasafed")
    world = build_world(app, replace(CONFIG, applications=1, cells=1), 3)
    infrastructure = world.infrastructure
    first, second = infrastructure.candidates(0)[:2]
    # The first server is up only for the first millisecond (the local LOAD_MODEL outlasts
    # it); everything else stays up.
    starts = [np.array([0.0]) for _ in range(infrastructure.size)]
    ends = [np.array([world.horizon_s]) for _ in range(infrastructure.size)]
    ends[first] = np.array([0.001])
    world = replace(world, availability=Availability(starts, ends, world.horizon_s))
    link = Recording()
    result = simulate(world, FirstServer(), link, 5)

    (application,) = result.applications
    offloadable = sum(t.offloadable for t in app.tasks)
    # Algorithm 1 removes a failed site for the task at hand: the engine picks it again for
    # the next task, which fails there too and moves on.
    assert application.failures == offloadable
    assert application.attempts == len(app.tasks) + offloadable
    timeout = world.config.connect_timeout_s
    assert [(s, ok) for s, _, _, ok in link.seen] == [(first, False), (second, True)] * offloadable
    assert all(elapsed == pytest.approx(timeout) for s, elapsed, _, _ in link.seen if s == first)
    assert link.batches == 1
    expected = 500
    for _ in range(offloadable):
        expected = (700 * expected) // 1000  # a failure: I = 0
    assert link.book.score(str(first)) == expected


def test_simulate__reports_match_remote_attempts_and_battery_matches_energy() -> None:
    app = built_in("naviar")
    world = build_world(app, CONFIG, 11)
    link = Recording()
    result = simulate(world, fresco(), link, 2)
    remote_attempts = sum(
        a.attempts - sum(1 for t in world.tasks[a.index] if not t.offloadable)
        for a in result.applications
    )
    local_successes = sum(p == SiteKind.MOBILE for a in result.applications for p in a.placements)
    assert len(link.seen) == remote_attempts - local_successes
    assert link.batches == CONFIG.applications
    spent = sum(a.energy_j for a in result.applications)
    assert result.battery_left_j == pytest.approx(CONFIG.parameters.battery_j - spent)
    assert 0 < result.battery_lifetime < 1
    # Every application starts in its slot, one after the other.
    starts = [a.start_s for a in result.applications]
    assert starts == sorted(starts) and starts[0] == 0.0


@dataclass
class WhenDecided(FirstServer):
    """FirstServer, noting when (into its application) each task was placed."""

    at: dict[str, float] = field(default_factory=dict)
    deadline_s: float = 0.0

    def decide(self, view: DecisionView) -> Decision:
        self.at[view.task.name] = round(self.deadline_s - view.deadline_left_s, 12)
        return super().decide(view)


def test_simulate__independent_branches_of_a_dag_run_side_by_side() -> None:
    """NaviAR's MOTION_COMMAND and RUNTIME_LOCATION both wait for SHORTEST_PATH alone: they
    are placed at the same moment, and the application takes less than the same tasks made to
    wait for one another in a chain."""
    app = built_in("naviar")
    chained = replace(
        app,
        tasks=tuple(
            replace(t, after=(app.tasks[i - 1].name,) if i else ()) for i, t in enumerate(app.tasks)
        ),
    )
    responses = []
    for application in (app, chained):
        world = build_world(application, replace(CONFIG, applications=1, cells=1), 3)
        always_up = Availability(
            [np.array([0.0])] * world.infrastructure.size,
            [np.array([world.horizon_s])] * world.infrastructure.size,
            world.horizon_s,
        )
        engine = WhenDecided(deadline_s=app.deadline_s)
        (result,) = simulate(
            replace(world, availability=always_up), engine, LocalReputation(), 5
        ).applications
        assert result.failures == 0
        responses.append(result.response_s)
        side_by_side = engine.at["MOTION_COMMAND"] == engine.at["RUNTIME_LOCATION"]
        assert side_by_side == (application is app)
        assert engine.at["SHORTEST_PATH"] < engine.at["MOTION_COMMAND"]

    assert responses[0] < responses[1]


def test_build_world__a_quick_run_and_a_long_one_face_the_same_availability() -> None:
    """The sites' up periods do not depend on how many applications run (issue 20: a quick run
    saw sites fail ten times as often as a paper run)."""
    app = built_in("intrasafed")
    quick = build_world(app, replace(CONFIG, applications=10), 7).availability
    long = build_world(app, replace(CONFIG, applications=100), 7).availability
    for site in range(len(quick.starts)):
        within = long.starts[site] < quick.horizon_s
        assert quick.starts[site].tolist() == long.starts[site][within].tolist()
        cut = np.minimum(long.ends[site][within], quick.horizon_s)
        assert quick.ends[site].tolist() == cut.tolist()
    spans = [np.diff(np.c_[s, e]).sum() for s, e in zip(long.starts, long.ends, strict=True)]
    assert min(spans) < long.horizon_s  # some site does fail within the long run
