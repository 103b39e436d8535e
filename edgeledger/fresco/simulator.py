"""The edge offloading simulator: a mobile device runs applications in sequence while moving
from cell to cell; sites fail and recover by their availability timelines; background work
changes; a decision engine places every task. Time, mobility and failures run on SimPy.

A world (infrastructure, availability, background load, task samples, application start
times) depends only on the run's seed, so every engine of a run faces the same world. Waiting
times are drawn per attempt; the site a task runs on decides how long it takes and whether it
fails.

Algorithm 1's retry: when an offloaded task fails (its site was down, or went down before the
result came back), the device notices after `connect_timeout_s`, removes that site and decides
again; the device itself never fails, so a task always ends.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import simpy

from edgeledger.errors import EdgeledgerError
from edgeledger.fresco.applications import Application, Task, TaskSpec, sample_tasks
from edgeledger.fresco.availability import Availability, Timeline, site_availability
from edgeledger.fresco.engines import DecisionView, Engine, timed_decide
from edgeledger.fresco.models import (
    AUTHORS_MIPS,
    Load,
    ModelParameters,
    device_energy_j,
    drawn_round_trip_s,
    price,
    sample_batch_wait_s,
    sample_wait_s,
    stages,
)
from edgeledger.fresco.reputation import SCALE, Report, ScoreBook, ScoreParameters, to_us
from edgeledger.fresco.sites import Infrastructure, SiteKind, build_infrastructure, synthetic_towers


@dataclass(frozen=True)
class SimulationConfig:
    applications: int = 10  # per run, in sequence
    towers: int = 40  # edge sites (towers drawn from a towers file when one is given)
    cells: int = 4
    slot_factor: float = 2.0  # an application starts every slot_factor x its deadline
    load_period_s: float = 0.5  # background load is redrawn this often
    connect_timeout_s: float = 0.02  # how long the device takes to notice a failed site
    # Simulated seconds a trace node's lifespan is laid over, the same for every run length
    # (README "FRESCO models"): the Skype trace's 28.7 days over 200 s puts a site's median up
    # period at 1.4 s, and the longest paper run (NaviAR, 100 x 2 x 0.8 s) within one span.
    availability_span_s: float = 200.0
    parameters: ModelParameters = field(default_factory=ModelParameters)


@dataclass(frozen=True)
class World:
    """Everything random about one run that does not depend on the engine."""

    infrastructure: Infrastructure
    availability: Availability
    application: Application
    tasks: list[list[Task]]  # per application run
    loads: list[Load]  # per load period
    horizon_s: float
    slot_s: float
    dwell_s: float
    config: SimulationConfig

    def cell_at(self, t_s: float) -> int:
        return min(int(t_s / self.dwell_s), self.infrastructure.cells - 1)

    def time_constraint_s(self, sites: np.ndarray) -> np.ndarray:
        kind = self.infrastructure.kind[sites]
        constraint = self.application.time_constraint_s
        return np.select(
            [kind == SiteKind.MOBILE, kind == SiteKind.CLOUD],
            [constraint["mobile"], constraint["cloud"]],
            constraint["edge"],
        )


def build_world(
    application: Application,
    config: SimulationConfig,
    seed: int,
    towers_km: np.ndarray | None = None,
    trace: list[Timeline] | None = None,
) -> World:
    """The run's world from its seed; towers and the availability trace are synthetic unless
    given (then `config.towers` of them are drawn at random, one trace node per site)."""
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)]
    infra_rng, availability_rng, load_rng, task_rng = streams
    if towers_km is None:
        towers = synthetic_towers(config.towers, infra_rng)
    elif config.towers > len(towers_km):
        raise EdgeledgerError(
            f"the towers file has {len(towers_km)} towers; asked for {config.towers}"
        )
    else:
        towers = towers_km[infra_rng.choice(len(towers_km), config.towers, replace=False)]
    infrastructure = build_infrastructure(towers, config.cells, infra_rng)
    parameters = config.parameters
    slot_s = application.deadline_s * config.slot_factor
    horizon_s = slot_s * config.applications
    availability = site_availability(
        infrastructure.size,
        {infrastructure.cloud, infrastructure.mobile},  # a data centre and the device itself
        config.availability_span_s,
        horizon_s,
        availability_rng,
        trace,
    )
    periods = int(np.ceil(horizon_s * 4 / config.load_period_s)) + 1  # runs may overrun
    return World(
        infrastructure=infrastructure,
        availability=availability,
        application=application,
        tasks=[
            sample_tasks(application, task_rng, parameters.uniform_task_sizes)
            for _ in range(config.applications)
        ],
        loads=[Load.draw(infrastructure, load_rng) for _ in range(periods)],
        horizon_s=horizon_s,
        slot_s=slot_s,
        dwell_s=horizon_s / config.cells,
        config=config,
    )


class ReputationLink(Protocol):
    """Where scores come from and outcomes go: the chain (ChainReputation) or its Python
    mirror (LocalReputation)."""

    def scores(self, sites: np.ndarray) -> np.ndarray: ...

    def report(
        self, site: int, response_s: float, constraint_s: float, succeeded: bool
    ) -> None: ...

    def end_application(self) -> None: ...


@dataclass
class LocalReputation:
    """The contract's arithmetic in Python (ScoreBook), for runs without a chain."""

    parameters: ScoreParameters = field(default_factory=ScoreParameters)
    book: ScoreBook = field(init=False)
    reports: int = 0

    def __post_init__(self) -> None:
        self.book = ScoreBook(self.parameters)

    def scores(self, sites: np.ndarray) -> np.ndarray:
        initial = self.parameters.initial_score
        return np.array([self._score(int(s), initial) for s in sites])

    def _score(self, site: int, initial: int) -> int:
        key = str(site)
        return self.book.score(key) if key in self.book.indices else initial

    def report(self, site: int, response_s: float, constraint_s: float, succeeded: bool) -> None:
        index = self.book.register(str(site))
        self.reports += 1
        self.book.apply(
            Report(index, self.reports, to_us(response_s), max(1, to_us(constraint_s)), succeeded)
        )

    def end_application(self) -> None:
        return None


@dataclass
class Attempt:
    site: int
    succeeded: bool
    elapsed_s: float
    energy_j: float
    cost: float


@dataclass
class ApplicationResult:
    index: int
    start_s: float
    response_s: float
    energy_j: float
    cost: float
    attempts: int
    failures: int
    fallbacks: int
    placements: list[int]  # site kind of each offloadable task's final site
    decision_times_s: list[float]


@dataclass
class RunResult:
    engine: str
    applications: list[ApplicationResult]
    battery_left_j: float
    battery_j: float

    @property
    def battery_lifetime(self) -> float:
        """Share of the battery left after the run (the paper's battery lifetime)."""
        return max(self.battery_left_j, 0.0) / self.battery_j


class _Device:
    """The device process and the state the engines see."""

    def __init__(
        self, env: simpy.Environment, world: World, engine: Engine, link: ReputationLink, seed: int
    ) -> None:
        self.env, self.world, self.engine, self.link = env, world, engine, link
        infrastructure = world.infrastructure
        self.up = np.zeros(infrastructure.size, dtype=bool)
        self.went_down = [env.event() for _ in range(infrastructure.size)]
        self.load = world.loads[0]
        self.used_storage_gb = np.zeros(infrastructure.size)
        self.battery_left_j = world.config.parameters.battery_j
        self.rng = np.random.default_rng(seed)
        self.results: list[ApplicationResult] = []
        self.previous_site = infrastructure.mobile

    # ------------------------------------------------------------ world processes

    def availability(self, site: int) -> Generator[Any, Any, None]:
        availability = self.world.availability
        for start, end in zip(availability.starts[site], availability.ends[site], strict=True):
            yield self.env.timeout(max(0.0, start - self.env.now))
            self.up[site] = True
            if end >= availability.horizon_s:
                return  # the trace ends with the site up: it stays up if a run overruns
            yield self.env.timeout(end - self.env.now)
            self.up[site] = False
            event, self.went_down[site] = self.went_down[site], self.env.event()
            event.succeed()

    def background(self) -> Generator[Any, Any, None]:
        for load in self.world.loads:
            self.load = load
            yield self.env.timeout(self.world.config.load_period_s)

    # ------------------------------------------------------------ the device

    def run(self) -> Generator[Any, Any, None]:
        """The applications one after another, each in its slot. Within one, a task starts as
        soon as every task it waits for (`after`) is done, so independent branches of the DAG
        run side by side (NaviAR's MAP and GUI): the application's response is its critical
        path, not the sum of its tasks. Tasks side by side do not compete for the device's
        processor or radio; each pays its own device energy, idle time included. Under
        `ready_batches` (the FRESCO authors' code) the tasks whose predecessors are all done
        go as one batch and the next batch waits for its slowest task."""
        world = self.world
        for index, tasks in enumerate(world.tasks):
            yield self.env.timeout(max(0.0, index * world.slot_s - self.env.now))
            start = self.env.now
            result = ApplicationResult(index, start, 0.0, 0.0, 0.0, 0, 0, 0, [], [])
            if world.config.parameters.ready_batches:
                for batch in ready_batches(world.application.tasks, tasks):
                    yield self.env.all_of(
                        [self.env.process(self._run_task(t, start, result)) for t in batch]
                    )
            else:
                yield from self._critical_path(tasks, start, result)
            result.response_s = self.env.now - start
            self.results.append(result)
            self.link.end_application()

    def _critical_path(
        self, tasks: list[Task], start: float, result: ApplicationResult
    ) -> Generator[Any, Any, None]:
        done: dict[str, Any] = {}
        for spec, task in zip(self.world.application.tasks, tasks, strict=True):  # in order
            assert spec.name == task.name, "a world's tasks follow its application's"
            waits_for = [done[name] for name in spec.after]
            done[spec.name] = self.env.process(self._when_ready(waits_for, task, start, result))
        yield self.env.all_of(list(done.values()))

    def _when_ready(
        self, waits_for: list[Any], task: Task, app_start: float, result: ApplicationResult
    ) -> Generator[Any, Any, None]:
        if waits_for:  # a first task starts at once, before anything else of this instant
            yield self.env.all_of(waits_for)
        yield from self._run_task(task, app_start, result)

    def _run_task(
        self, task: Task, app_start: float, result: ApplicationResult
    ) -> Generator[Any, Any, None]:
        world, infrastructure = self.world, self.world.infrastructure
        excluded: set[int] = set()
        while True:
            if task.offloadable:
                cell = world.cell_at(self.env.now)
                candidates = np.array(
                    [s for s in infrastructure.candidates(cell) if s not in excluded]
                )
                decision, seconds = timed_decide(
                    self.engine, self._view(task, candidates, app_start)
                )
                result.decision_times_s.append(seconds)
                result.fallbacks += decision.fallback
                site = decision.site
            else:
                site = infrastructure.mobile
            attempt = yield from self._attempt(task, site)
            result.attempts += 1
            result.energy_j += attempt.energy_j
            result.cost += attempt.cost
            self.battery_left_j -= attempt.energy_j
            if site != infrastructure.mobile:
                constraint = float(world.time_constraint_s(np.array([site]))[0])
                self.link.report(site, attempt.elapsed_s, constraint, attempt.succeeded)
            if attempt.succeeded:
                if task.offloadable:
                    result.placements.append(int(infrastructure.kind[site]))
                self.used_storage_gb[site] += task.storage_gb
                self.previous_site = site
                return
            result.failures += 1
            excluded.add(site)
            if world.config.parameters.device_after_failure:
                excluded.update(s for s in range(infrastructure.size) if s != infrastructure.mobile)

    def _view(self, task: Task, candidates: np.ndarray, app_start: float) -> DecisionView:
        world, infrastructure = self.world, self.world.infrastructure
        local = infrastructure.kind[candidates] == SiteKind.MOBILE
        observed = world.availability.up_share_until(self.env.now)[candidates]
        lifespan = world.availability.lifespan_share
        if world.config.parameters.known_availability and lifespan is not None:
            observed = lifespan[candidates]  # the authors' OffloadingSite.get_avail
        constraint_s = world.time_constraint_s(candidates)
        deadline_left_s = world.application.deadline_s - (self.env.now - app_start)
        if world.config.parameters.edge_constraint_everywhere:  # the authors' FRESCO
            constraint_s = np.full(len(candidates), world.application.time_constraint_s["edge"])
            deadline_left_s = world.application.deadline_s
        return DecisionView(
            task=task,
            candidates=candidates,
            infrastructure=infrastructure,
            load=self.load,
            used_storage_gb=self.used_storage_gb,
            parameters=world.config.parameters,
            time_constraint_s=constraint_s,
            deadline_left_s=deadline_left_s,
            battery_left_j=self.battery_left_j,
            up_now=self.up[candidates] | local,
            reputation=np.where(local, SCALE, self.link.scores(candidates)),
            observed_up_share=np.where(local, 1.0, observed),
            previous_site=self.previous_site,
            device_xy_km=infrastructure.center_of(world.cell_at(self.env.now)),
            rng=self.rng,
        )

    def _attempt(self, task: Task, site: int) -> Generator[Any, Any, Attempt]:
        """Run `task` on `site`: the realised stage times, or the failure the device sees."""
        world, parameters = self.world, self.world.config.parameters
        infrastructure = world.infrastructure
        q = stages(task, np.array([site]), infrastructure, self.load, parameters)
        up_s = sample_wait_s(q.uplink_rho[0], q.uplink_bg_s[0], self.rng) + q.uplink_s[0]
        exec_s = sample_wait_s(q.exec_rho[0], q.exec_bg_s[0], self.rng) + q.exec_s[0]
        if parameters.authors_queues:
            exec_s += sample_batch_wait_s(
                self.load.arrival_per_s[site],
                self.load.size_rate[site],
                AUTHORS_MIPS[infrastructure.kind[site]],
                self.rng,
            )
        down_s = sample_wait_s(q.downlink_rho[0], q.downlink_bg_s[0], self.rng) + q.downlink_s[0]
        local = bool(q.local[0])
        if local:
            up_s = down_s = 0.0
        else:
            round_trip = drawn_round_trip_s(
                float(q.propagation_s[0]),
                site,
                self.previous_site,
                infrastructure,
                parameters,
                self.rng,
            )
            up_s += round_trip / 2
            down_s += round_trip / 2
        total = up_s + exec_s + down_s
        start = self.env.now
        if not self.up[site] and not local:
            yield self.env.timeout(world.config.connect_timeout_s)
            energy = parameters.uplink_power_w * world.config.connect_timeout_s
            return Attempt(site, False, self.env.now - start, energy, 0.0)
        done = self.env.timeout(total)
        # Under checked_at_dispatch (the authors' code) only the site's state when the task is
        # sent counts.
        ends = [done] if parameters.checked_at_dispatch else [done, self.went_down[site]]
        outcome = yield self.env.any_of(ends)
        if done not in outcome:
            yield self.env.timeout(world.config.connect_timeout_s)
            elapsed = self.env.now - start
            sending = min(elapsed, up_s)
            energy = parameters.uplink_power_w * sending + parameters.idle_power_w * (
                elapsed - sending
            )
            return Attempt(site, False, elapsed, energy, 0.0)
        flags = np.array([local])
        energy = float(
            device_energy_j(
                np.array([up_s]), np.array([exec_s]), np.array([down_s]), flags, parameters
            )[0]
        )
        kind = infrastructure.kind[[site]]
        cores = infrastructure.column("cores")[[site]]
        cost = float(price(np.array([exec_s]), kind, cores, task.storage_gb, parameters)[0])
        return Attempt(site, True, total, energy, cost)


def ready_batches(specs: tuple[TaskSpec, ...], tasks: list[Task]) -> list[list[Task]]:
    """The tasks in batches: each batch every task whose predecessors are in earlier ones."""
    by_name = {task.name: task for task in tasks}
    done: set[str] = set()
    batches = []
    while len(done) < len(specs):
        batch = [s.name for s in specs if s.name not in done and set(s.after) <= done]
        batches.append([by_name[name] for name in batch])
        done.update(batch)
    return batches


def simulate(world: World, engine: Engine, link: ReputationLink, seed: int) -> RunResult:
    """One engine through one world; `seed` draws the waiting times."""
    env = simpy.Environment()
    device = _Device(env, world, engine, link, seed)
    for site in range(world.infrastructure.size):
        env.process(device.availability(site))
    env.process(device.background())
    finished = env.process(device.run())
    env.run(until=finished)
    return RunResult(
        engine=engine.name,
        applications=device.results,
        battery_left_j=device.battery_left_j,
        battery_j=world.config.parameters.battery_j,
    )
