"""What a FRESCO replay runs: its settings (the quick default of `make demo`, and the paper's),
their checks, the inputs they name (applications, towers, trace), and the seed of each world.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from edgeledger.errors import EdgeledgerError
from edgeledger.fresco.applications import BUILT_IN, Application, built_in, load_application
from edgeledger.fresco.availability import Timeline, load_avt
from edgeledger.fresco.engines import DEFAULT_ENGINES, ENGINE_NAMES
from edgeledger.fresco.models import ModelParameters
from edgeledger.fresco.simulator import SimulationConfig
from edgeledger.fresco.sites import load_towers
from edgeledger.replays.ray_units import check_ray_address


@dataclass(frozen=True)
class FrescoReplayConfig:
    """What to replay. The defaults are the quick run of `make demo`; `paper()` the paper's."""

    applications: tuple[str, ...] = BUILT_IN  # built-in names or paths of application files
    engines: tuple[str, ...] = DEFAULT_ENGINES
    runs: int = 3
    simulation: SimulationConfig = field(default_factory=SimulationConfig)
    seed: int = 2024
    towers_path: Path | None = None
    trace_path: Path | None = None
    workers: int = 1  # processes, each with its own anvil (the paper preset uses both cores)
    sweep_sites: tuple[int, ...] = (10, 15, 50, 100, 250, 500, 1000, 2000)
    sweep_decisions: int = 20
    # Sizes beyond these are skipped: MDP's policy iteration is O(n³) (61 ms a decision at
    # 1,000 sites); Q-learning's sweeps (Q_SWEEPS) of n² sampled moves take seconds at 1,000.
    mdp_sweep_limit: int = 1000
    q_learning_sweep_limit: int = 250
    block_time_s: float = 4.0
    block_time_applications: int = 10
    node_wait_s: float = 60.0  # how long a unit waits for a node that stopped answering
    ray: str | None = None  # units as Ray tasks: "auto" (a local Ray) or a cluster's address
    model: str = "paper"  # which reading of FRESCO: MODELS (set with `with_model`)

    @classmethod
    def paper(cls) -> FrescoReplayConfig:
        """100 applications in sequence, averaged over 100 runs, on both cores."""
        return cls(
            runs=100,
            simulation=SimulationConfig(applications=100),
            workers=2,
            sweep_decisions=100,
        )

    def check(self) -> None:
        unknown = set(self.engines) - set(ENGINE_NAMES)
        if unknown:
            raise EdgeledgerError(
                f"unknown engine(s) {sorted(unknown)}; choose from {', '.join(ENGINE_NAMES)}"
            )
        if self.runs < 1 or self.simulation.applications < 1:
            raise EdgeledgerError("runs and applications per run must be at least 1")
        if not 1 <= self.simulation.cells <= self.simulation.towers:
            raise EdgeledgerError(
                f"cells ({self.simulation.cells}) must be between 1 and the towers "
                f"({self.simulation.towers})"
            )
        if self.workers < 1:
            raise EdgeledgerError("workers must be at least 1")
        if any(n < 1 for n in self.sweep_sites):
            raise EdgeledgerError("every sweep size must be at least 1 site")
        if self.ray is not None:
            check_ray_address(self.ray)
        if self.model not in MODELS:
            raise EdgeledgerError(f"no model {self.model!r}; choose {' or '.join(MODELS)}")
        if not self.node_wait_s >= 0:
            raise EdgeledgerError(f"the node wait must be 0 s or more, not {self.node_wait_s}")


# The two readings of FRESCO (README "Two models"): `paper`, its tables and equations as
# written; `authors`, what the FRESCO authors' code does at ea366c3: every departure below (each
# switch of ModelParameters turned from its default, a failed site noticed after 1.5 s as their
# Settings.OFFLOADING_FAILURE_DETECTION_TIME says, their versions of the applications).
MODELS = ("paper", "authors")
AUTHORS_FAILURE_DETECTION_S = 1.5


@dataclass(frozen=True)
class Departure:
    """One way the authors' code reads FRESCO otherwise: a switch of ModelParameters,
    `connect_timeout_s`, or `applications` (their versions of the application files)."""

    name: str
    paper: str
    authors: str


DEPARTURES = (
    Departure(
        "uniform_task_sizes",
        "Table III's cycles and data per task type",
        "U(0.5, 1) M cycles and KB for every task (util.py generate_*)",
    ),
    Departure(
        "authors_queues",
        "M/M/1 queues; background work on servers only (λ 10-20/s)",
        "the background work since the last task and left behind it, at the site's MIPS, "
        "the device included (edge_queue.py)",
    ),
    Departure("downlink", "uplink, execution, downlink", "no downlink (del_lat commented out)"),
    Departure(
        "edge_round_trip", "8 ms to an edge site (ED 4 ms)", "none (topology.json never read)"
    ),
    Departure(
        "drawn_cloud_latency",
        "60 ms round trip to the cloud",
        "15 + N(200, 33.5) ms to or from the cloud (Util.get_lat)",
    ),
    Departure(
        "ready_batches",
        "the DAG's critical path",
        "the sum over ready batches of each one's slowest task",
    ),
    Departure(
        "edge_constraint_everywhere",
        "each site class's time constraint; the deadline left",
        "the edge constraint for every candidate; the whole deadline",
    ),
    Departure(
        "checked_at_dispatch",
        "a site may fail during a task",
        "a site is checked once, when the task is sent",
    ),
    Departure(
        "device_after_failure",
        "Algorithm 1: drop the failed site, decide again",
        "the task runs on the device",
    ),
    Departure(
        "known_availability",
        "MDP sees the sites' availability observed so far",
        "each site's up share over its whole trace (OffloadingSite.get_avail)",
    ),
    Departure(
        "sigmoid_mdp_reward",
        "MDP's reward: minus the objective",
        "0.34 σ(rt) + 0.33 σ(ec) + 0.33 σ(pr) on raw units",
    ),
    Departure(
        "connect_timeout_s",
        "a failed site noticed after 20 ms",
        "after 1.5 s (OFFLOADING_FAILURE_DETECTION_TIME)",
    ),
    Departure(
        "applications",
        "Tables IV-VI",
        "Intrasafed's UPLOAD local beside LOAD_MODEL; MobiAR 450 ms; NaviAR one chain, edge 375 ms",
    ),
)


def with_departure(config: FrescoReplayConfig, name: str, authors: bool) -> FrescoReplayConfig:
    """`config` with the departure `name` read as the authors' code does (`authors`) or as the
    paper does, everything else as it was."""
    simulation = config.simulation
    if name == "applications":
        return replace(config, model="authors" if authors else "paper")
    if name == "connect_timeout_s":
        timeout = AUTHORS_FAILURE_DETECTION_S if authors else SimulationConfig().connect_timeout_s
        return replace(config, simulation=replace(simulation, connect_timeout_s=timeout))
    paper_value = getattr(ModelParameters(), name)
    parameters = replace(
        simulation.parameters, **{name: not paper_value if authors else paper_value}
    )
    return replace(config, simulation=replace(simulation, parameters=parameters))


def with_model(config: FrescoReplayConfig, model: str) -> FrescoReplayConfig:
    """`config` under the reading `model` (MODELS): every departure read its way. `--set`
    applies after it."""
    if model not in MODELS:
        raise EdgeledgerError(f"--model {model}: choose {' or '.join(MODELS)}")
    for departure in DEPARTURES:
        config = with_departure(config, departure.name, authors=model == "authors")
    return config


def resolve_application(name: str, model: str = "paper") -> Application:
    """A built-in application by name (the authors' version of it under `authors`), or an
    application file by path."""
    if name.lower() in BUILT_IN:
        return built_in(name.lower() if model == "paper" else f"{model}-{name.lower()}")
    path = Path(name)
    if not path.exists():
        raise EdgeledgerError(
            f"no application {name!r}: use one of {', '.join(BUILT_IN)} or a path to a JSON file"
        )
    return load_application(path)


# What `--set name=value` may change: every model parameter, and the simulation's own numbers
# that have no flag of their own. Each stays within a factor of RANGE of its default (0 allowed
# where the default is not needed to divide or pace): a load period of a nanosecond, or
# applications a thousand deadlines apart, would draw millions of background loads.
SIMULATION_SETTINGS = (
    "slot_factor",
    "load_period_s",
    "connect_timeout_s",
    "availability_span_s",
)
ABOVE_ZERO = {
    "battery_j",
    "noise_w_per_hz",
    "slot_factor",
    "load_period_s",
    "availability_span_s",
    "reputation_rank",
}
WHOLE = {"reputation_rank"}  # a rank: a whole number
RANGE = 100.0
SWITCH_VALUES = {"1": True, "on": True, "true": True, "0": False, "off": False, "false": False}


def switches() -> list[str]:
    """The settings that are switches (1 or 0): the departures of the authors' reading."""
    return [f.name for f in fields(ModelParameters) if isinstance(f.default, bool)]


def settable() -> list[str]:
    return [f.name for f in fields(ModelParameters)] + list(SIMULATION_SETTINGS)


def with_settings(simulation: SimulationConfig, assignments: Iterable[str]) -> SimulationConfig:
    """`simulation` with each `name=value` of `assignments` applied: a model parameter or one of
    SIMULATION_SETTINGS, a number within a factor of RANGE of its default, or a switch of
    ModelParameters (1 or 0)."""
    model: dict[str, Any] = {}
    own: dict[str, Any] = {}
    for assignment in assignments:
        name, equals, text = assignment.partition("=")
        name = name.strip()
        if not equals:
            raise EdgeledgerError(f"--set {assignment!r}: give name=value")
        if name not in settable():
            raise EdgeledgerError(
                f"--set {name}: no such setting; the settings are {', '.join(settable())}"
            )
        if name in switches():
            if text.strip().lower() not in SWITCH_VALUES:
                raise EdgeledgerError(f"--set {name}: {text!r} is not a switch (1 or 0)")
            model[name] = SWITCH_VALUES[text.strip().lower()]
            continue
        default = _setting(SimulationConfig(), name)
        low, high = (default / RANGE if name in ABOVE_ZERO else 0.0), default * RANGE
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if name in WHOLE:
            low = max(1.0, low)
            if not value.is_integer():  # NaN is not either
                value = math.nan
        if not low <= value <= high:  # NaN fails too
            kind = "whole number" if name in WHOLE else "number"
            raise EdgeledgerError(
                f"--set {name}: {text!r} is not a {kind} from {low:g} to {high:g} "
                f"(the default {default:g})"
            )
        if name in WHOLE:
            value = int(value)
        (own if name in SIMULATION_SETTINGS else model)[name] = value
    return replace(simulation, **own, parameters=replace(simulation.parameters, **model))


def changed_settings(simulation: SimulationConfig, model: str) -> dict[str, float]:
    """The settable numbers of `simulation` that differ from their defaults under `model`
    (`--set`)."""
    default = with_model(FrescoReplayConfig(), model).simulation
    return {
        name: value
        for name in settable()
        if (value := _setting(simulation, name)) != _setting(default, name)
    }


def _setting(simulation: SimulationConfig, name: str) -> float:
    owner = simulation if name in SIMULATION_SETTINGS else simulation.parameters
    return float(getattr(owner, name))


@dataclass(frozen=True)
class Inputs:
    """What every run reads: applications, optional real towers and trace (loaded once)."""

    applications: list[Application]
    towers_km: np.ndarray | None
    trace: list[Timeline] | None

    @classmethod
    def load(cls, config: FrescoReplayConfig) -> Inputs:
        return cls(
            [resolve_application(name, config.model) for name in config.applications],
            None if config.towers_path is None else load_towers(config.towers_path),
            None if config.trace_path is None else load_avt(config.trace_path),
        )


def world_seed(config: FrescoReplayConfig, run: int, application: int) -> int:
    return int(np.random.SeedSequence([config.seed, run, application]).generate_state(1)[0])
