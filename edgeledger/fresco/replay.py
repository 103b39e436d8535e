"""`ape run fresco`: FRESCO's evaluation replayed. Every application x every engine over the
same worlds, with reputation on a deployed ReputationManager; decision time against the number
of sites; and the same decisions on a chain with 4 s blocks, to show they never wait for one.

The replay is made of units, one per (run, application, engine). A unit deploys its own
ReputationManager with every remote site registered (so every engine starts from the same
scores), sends its outcomes in one batch per application through the reputation client, and
checks the on-chain scores against the Python mirror of what was counted. A finished unit's row
goes to a journal in the output folder. So a replay whose node stops answering waits for it,
then runs the unit it was in again on a new contract. A replay whose own process died resumes
from the journal when started again with the same options. No unit is lost, and none counted
twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from edgeledger.chain import anvil_node, code_at, connected, mined, node_answers, wait_for_node
from edgeledger.deploy import deploy_reputation
from edgeledger.dmec.replay import synthetic_address
from edgeledger.errors import EdgeledgerError, first_line
from edgeledger.fresco.applications import BUILT_IN, Application, built_in, load_application
from edgeledger.fresco.availability import Timeline, load_avt
from edgeledger.fresco.client import ReputationClient
from edgeledger.fresco.engines import (
    ENGINE_NAMES,
    DecisionView,
    Engine,
    all_engines,
    fresco,
    timed_decide,
)
from edgeledger.fresco.models import Load
from edgeledger.fresco.reputation import SCALE, scores_after, to_us
from edgeledger.fresco.simulator import RunResult, SimulationConfig, World, build_world, simulate
from edgeledger.fresco.sites import SiteKind, load_towers
from edgeledger.processes import die_with_parent, spawn_context
from edgeledger.progress import show_chain_logs
from edgeledger.reports import markdown_table, new_figure, save_figure, write_csv
from edgeledger.stages import code_fingerprint

Progress = Callable[[str, int, int], None]
NODE_TAG = 0xF5E5C0  # synthetic node addresses: sites never send transactions
KIND_LABELS = [kind.name for kind in SiteKind]


def _quiet(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class FrescoReplayConfig:
    """What to replay. The defaults are the quick run of `make demo`; `paper()` the paper's."""

    applications: tuple[str, ...] = BUILT_IN  # built-in names or paths of application files
    engines: tuple[str, ...] = ENGINE_NAMES
    runs: int = 3
    simulation: SimulationConfig = field(default_factory=SimulationConfig)
    seed: int = 2024
    towers_path: Path | None = None
    trace_path: Path | None = None
    workers: int = 1  # processes, each with its own anvil (the paper preset uses both cores)
    sweep_sites: tuple[int, ...] = (10, 15, 50, 100, 250, 500, 1000, 2000)
    sweep_decisions: int = 20
    mdp_sweep_limit: int = 1000  # MDP's policy iteration is O(n³): larger sizes are skipped
    block_time_s: float = 4.0
    block_time_applications: int = 10
    node_wait_s: float = 60.0  # how long a unit waits for a node that stopped answering

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
        if not self.node_wait_s >= 0:
            raise EdgeledgerError(f"the node wait must be 0 s or more, not {self.node_wait_s}")


def resolve_application(name: str) -> Application:
    """A built-in application by name, or an application file by path."""
    if name.lower() in BUILT_IN:
        return built_in(name.lower())
    path = Path(name)
    if not path.exists():
        raise EdgeledgerError(
            f"no application {name!r}: use one of {', '.join(BUILT_IN)} or a path to a JSON file"
        )
    return load_application(path)


@dataclass(frozen=True)
class Inputs:
    """What every run reads: applications, optional real towers and trace (loaded once)."""

    applications: list[Application]
    towers_km: np.ndarray | None
    trace: list[Timeline] | None

    @classmethod
    def load(cls, config: FrescoReplayConfig) -> Inputs:
        return cls(
            [resolve_application(name) for name in config.applications],
            None if config.towers_path is None else load_towers(config.towers_path),
            None if config.trace_path is None else load_avt(config.trace_path),
        )


def world_seed(config: FrescoReplayConfig, run: int, application: int) -> int:
    return int(np.random.SeedSequence([config.seed, run, application]).generate_state(1)[0])


# ---------------------------------------------------------------- reputation on the chain


class ChainReputation:
    """The simulator's ReputationLink to a deployed ReputationManager through the reputation
    client: scores from the client's local copy, one batch per application. With
    `background`, the client's thread sends it and the simulation never waits for a block."""

    def __init__(self, client: ReputationClient, nodes: list[str], background: bool = False):
        self.client, self.nodes, self.background = client, nodes, background

    def scores(self, sites: np.ndarray) -> np.ndarray:
        local = self.client.scores()
        # The device itself is no node (its own score is never read).
        return np.array([local[self.nodes[s]] if s < len(self.nodes) else SCALE for s in sites])

    def report(self, site: int, response_s: float, constraint_s: float, succeeded: bool) -> None:
        self.client.report(
            self.nodes[site], to_us(response_s), max(1, to_us(constraint_s)), succeeded
        )

    def end_application(self) -> None:
        if self.background:
            self.client.send_soon()
        else:
            self.client.flush()  # waits for the receipt: wall time only, not simulated time


def node_addresses(world: World) -> list[str]:
    return [synthetic_address(NODE_TAG, int(s)) for s in world.infrastructure.remote]


def deploy_for(world: World, agent: Any, reporter: Any) -> tuple[Any, list[str]]:
    """A ReputationManager with every remote site of `world` registered; `reporter` reports."""
    from ape import chain

    contract = deploy_reputation(agent)
    contract.grantRole(contract.REPORTER_ROLE(), reporter, sender=agent)
    nodes = node_addresses(world)
    # Sent together and then awaited: on a chain with slow blocks they share a block or two
    # instead of a block each. Indices follow the sending order (one sender, rising nonces).
    web3 = chain.provider.web3
    hashes = [
        web3.eth.send_transaction(
            {
                "from": agent.address,
                "to": contract.address,
                "data": contract.registerNode.encode_input(node),
            }
        )
        for node in nodes
    ]
    for tx_hash in hashes:
        mined(tx_hash, timeout_s=120)
    return contract, nodes


def mirrored_mismatches(contract: Any, client: ReputationClient, nodes: list[str]) -> int:
    """Nodes whose on-chain score differs from the contract's arithmetic applied, in Python,
    to what the client got counted. 0 means the chain holds exactly what was reported."""
    on_chain = [int(v) for v in contract.getReputationScores(nodes)]
    expected = scores_after(nodes, client.counted)
    return sum(a != b for a, b in zip(on_chain, expected, strict=True))


# ---------------------------------------------------------------- one run


Inspect = Callable[[str, RunResult, Any, ReputationClient], None]
UNIT_JOURNAL = "units.jsonl"  # in the output folder, until every output is written
UnitKey = tuple[int, str, str]  # (run, application, engine)
MAX_NODE_LOSSES = 5  # per unit: a node that keeps dying is reported, not waited for forever


class NodeLost(Exception):
    """The node stopped answering, or came back without some of a unit's transactions."""


class UnitJournal:
    """The rows of finished units, one fsynced JSON line each, tagged with the configuration
    they belong to (worker processes append to the same file). Lines of another configuration
    are ignored, not deleted; a torn last line is a unit that did not finish."""

    def __init__(self, path: Path, config: FrescoReplayConfig) -> None:
        self.path = path
        # What changes results: the settings (not the number of workers, not the node wait)
        # and the code, so an edit never serves a unit finished before it.
        settings = repr(replace(config, workers=1, node_wait_s=0.0)) + code_fingerprint()
        self.tag = hashlib.sha256(settings.encode()).hexdigest()[:16]
        self.done: dict[UnitKey, dict[str, Any]] = {}
        if path.exists():
            for line in path.read_text().split("\n")[:-1]:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("config") == self.tag:
                    row = entry["row"]
                    self.done[(row["run"], row["application"], row["engine"])] = row

    def add(self, row: dict[str, Any]) -> None:
        line = json.dumps({"config": self.tag, "row": row}) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One write with O_APPEND: lines of several processes never interleave.
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, line.encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def replay_run(
    run: int,
    config: FrescoReplayConfig,
    inputs: Inputs,
    accounts: list[Any],
    inspect: Inspect | None = None,
    journal: UnitJournal | None = None,
) -> list[dict[str, Any]]:
    """Every application and engine of run `run` on the connected chain; a row per unit,
    taken from `journal` if it holds that unit. `inspect(engine, result, contract, client)`
    sees each unit's chain once its outcomes are counted."""
    rows = []
    engines = _engines(config.engines)
    for a, application in enumerate(inputs.applications):
        seed = world_seed(config, run, a)
        world: World | None = None
        for engine in engines:
            key = (run, application.name, engine.name)
            if journal is not None and key in journal.done:
                rows.append(journal.done[key])
                continue
            world = world or build_world(
                application, config.simulation, seed, inputs.towers_km, inputs.trace
            )
            row = _through_node_losses(
                partial(_replay_unit, run, application, world, seed, engine, accounts, inspect),
                f"run {run}, {application.name}, {engine.name}",
                config.node_wait_s,
            )
            if journal is not None:
                journal.add(row)
            rows.append(row)
    return rows


def _replay_unit(
    run: int,
    application: Application,
    world: World,
    seed: int,
    engine: Engine,
    accounts: list[Any],
    inspect: Inspect | None,
) -> dict[str, Any]:
    """One engine on one world, on a contract of its own; raises NodeLost if the node let it
    down (the unit can then run again from the start: the simulation is seeded)."""
    agent, reporter = accounts[0], accounts[1]
    contract = None
    try:
        contract, nodes = deploy_for(world, agent, reporter)
        client = ReputationClient(contract, reporter, nodes, batch_size=256)
        result = simulate(world, engine, ChainReputation(client, nodes), seed + 1)
        client.flush()  # what a flush during the simulation could not send
        if client.pending:
            raise NodeLost(f"{len(client.pending)} reports unsent: {client.last_error}")
        sent = client.counted[-1].task_id if client.counted else 0
        if int(contract.lastTaskId(reporter)) != sent:
            raise NodeLost("the node forgot counted reports")
        mismatches = mirrored_mismatches(contract, client, nodes)
    except NodeLost:
        raise
    except Exception as error:
        # Gone, or back from a state older than this unit's contract; anything else is a bug.
        if not node_answers() or (contract is not None and not code_at(contract.address)):
            raise NodeLost(first_line(error)) from error
        raise
    if inspect is not None:
        inspect(engine.name, result, contract, client)
    return _run_row(run, application, result, client, mismatches)


def _through_node_losses(unit: Callable[[], dict[str, Any]], what: str, wait_s: float) -> Any:
    """Run `unit`; each time the node lets it down, wait for the node, then run it again."""
    for _ in range(MAX_NODE_LOSSES):
        try:
            return unit()
        except NodeLost as lost:
            if not wait_for_node(wait_s):
                raise EdgeledgerError(
                    f"the node stopped answering during {what} ({lost}) and was not back "
                    f"within {wait_s:g} s; start it and run the same command again to resume"
                ) from None
    raise EdgeledgerError(f"the node failed {MAX_NODE_LOSSES} times during {what}; check it")


def _engines(names: Sequence[str]) -> list[Engine]:
    return [engine for engine in all_engines() if engine.name in names]


def _run_row(
    run: int,
    application: Application,
    result: RunResult,
    client: ReputationClient,
    mismatches: int,
) -> dict[str, Any]:
    apps = result.applications
    decisions = [t for app in apps for t in app.decision_times_s]
    placements = np.bincount([p for app in apps for p in app.placements], minlength=len(SiteKind))
    row: dict[str, Any] = {
        "application": application.name,
        "engine": result.engine,
        "run": run,
        "response_s": float(np.mean([app.response_s for app in apps])),
        "qos_violation_rate": float(
            np.mean([app.response_s > application.deadline_s for app in apps])
        ),
        "battery_lifetime": result.battery_lifetime,
        "energy_j": float(sum(app.energy_j for app in apps)),
        "cost": float(sum(app.cost for app in apps)),
        "failures": sum(app.failures for app in apps),
        "fallbacks": sum(app.fallbacks for app in apps),
        "decisions": len(decisions),
        "decision_ms_mean": 1e3 * float(np.mean(decisions)) if decisions else 0.0,
        "decision_ms_p50": 1e3 * float(np.median(decisions)) if decisions else 0.0,
        "reports_counted": len(client.counted),
        "batches": client.transactions,
        "score_mismatches": mismatches,
    }
    row.update(
        {f"placed_{label}": int(n) for label, n in zip(KIND_LABELS, placements, strict=True)}
    )
    return row


# ---------------------------------------------------------------- all runs


def replay_runs(
    accounts: list[Any],
    config: FrescoReplayConfig,
    inputs: Inputs,
    progress: Progress = _quiet,
    journal_path: Path | None = None,
) -> list[dict[str, Any]]:
    """Every run, on the connected chain (workers = 1) or on one anvil per worker process;
    with `journal_path`, finished units are kept there and those it already holds skipped."""
    rows: list[dict[str, Any]] = []
    progress("FRESCO runs", 0, config.runs)
    if config.workers == 1:
        journal = None if journal_path is None else UnitJournal(journal_path, config)
        for run in range(config.runs):
            rows += replay_run(run, config, inputs, accounts, journal=journal)
            progress("FRESCO runs", run + 1, config.runs)
        return rows
    context = spawn_context()
    results = context.Queue()
    workers = [
        context.Process(
            target=_worker,
            args=(list(range(w, config.runs, config.workers)), config, results, journal_path),
        )
        for w in range(config.workers)
    ]
    for worker in workers:
        worker.start()
    done = 0
    while done < config.runs:
        message = results.get()
        if isinstance(message, str):  # a worker's one-line failure
            for worker in workers:
                worker.terminate()
            raise EdgeledgerError(f"a FRESCO worker failed: {message}")
        rows += message
        done += 1
        progress("FRESCO runs", done, config.runs)
    for worker in workers:
        worker.join()
    return sorted(rows, key=lambda r: (r["run"], r["application"]))


def _worker(
    runs: list[int], config: FrescoReplayConfig, results: Any, journal_path: Path | None
) -> None:
    """One process: its own anvil, its runs, a message per run (rows, or a failure line)."""
    die_with_parent()  # a killed CLI leaves no worker behind, nor the worker's node
    try:
        from ape import accounts

        show_chain_logs(verbose=False)
        inputs = Inputs.load(config)
        journal = None if journal_path is None else UnitJournal(journal_path, config)
        with anvil_node() as node, connected(node.network_choice):
            test_accounts = list(accounts.test_accounts)
            for run in runs:
                results.put(replay_run(run, config, inputs, test_accounts, journal=journal))
    except Exception as error:  # reported to the parent as one line
        results.put(f"{type(error).__name__}: {error}".splitlines()[0])


# ---------------------------------------------------------------- decision time vs sites


def decision_time_sweep(
    config: FrescoReplayConfig, inputs: Inputs, progress: Progress = _quiet
) -> list[dict[str, Any]]:
    """Each engine's decision time with n candidate sites in the device's cell (n edge sites
    plus the cloud and the device), over the first application's offloadable tasks."""
    application = inputs.applications[0]
    rng = np.random.default_rng(config.seed)
    rows = []
    engines = _engines(config.engines)
    total = len(config.sweep_sites) * len(engines)
    progress("decision time", 0, total)
    for size_index, sites in enumerate(config.sweep_sites):
        simulation = replace(config.simulation, towers=sites, cells=1, applications=1)
        world = build_world(application, simulation, config.seed + sites)
        infrastructure = world.infrastructure
        candidates = infrastructure.candidates(0)
        tasks = [t for t in world.tasks[0] if t.offloadable]
        for engine_index, engine in enumerate(engines):
            if engine.name == "MDP" and sites > config.mdp_sweep_limit:
                continue
            times = []
            for i in range(config.sweep_decisions):
                view = _sweep_view(world, candidates, tasks[i % len(tasks)], rng)
                times.append(timed_decide(engine, view)[1])
            rows.append(
                {
                    "engine": engine.name,
                    "sites": sites,
                    **decision_time_ms(times),
                }
            )
            progress("decision time", size_index * len(engines) + engine_index + 1, total)
    return rows


def decision_time_ms(seconds: list[float]) -> dict[str, float]:
    """How many decisions, and their p50, mean and p95 in milliseconds."""
    ms = 1e3 * np.asarray(seconds)
    return {
        "decisions": len(ms),
        "p50_ms": float(np.median(ms)),
        "mean_ms": float(ms.mean()),
        "p95_ms": float(np.percentile(ms, 95)),
    }


def _sweep_view(
    world: World, candidates: np.ndarray, task: Any, rng: np.random.Generator
) -> DecisionView:
    infrastructure = world.infrastructure
    local = infrastructure.kind[candidates] == SiteKind.MOBILE
    return DecisionView(
        task=task,
        candidates=candidates,
        infrastructure=infrastructure,
        load=Load.draw(infrastructure, rng),
        used_storage_gb=np.zeros(infrastructure.size),
        parameters=world.config.parameters,
        time_constraint_s=world.time_constraint_s(candidates),
        deadline_left_s=world.application.deadline_s,
        battery_left_j=world.config.parameters.battery_j,
        up_now=local | (rng.random(len(candidates)) < 0.64),
        reputation=np.where(local, SCALE, rng.integers(0, SCALE + 1, len(candidates))),
        observed_up_share=np.where(local, 1.0, rng.uniform(0.3, 1.0, len(candidates))),
        previous_site=infrastructure.mobile,
        device_xy_km=infrastructure.center_of(0),
        rng=rng,
    )


# ---------------------------------------------------------------- a chain with 4 s blocks


def block_time_comparison(
    accounts: list[Any], config: FrescoReplayConfig, inputs: Inputs, progress: Progress = _quiet
) -> list[dict[str, Any]]:
    """FRESCO's decision times for the same world on the connected chain (blocks on demand)
    and on a fresh anvil with `block_time_s` blocks, where the client sends its batches from
    its background thread; plus how long the chain took to count them."""
    application = inputs.applications[0]
    simulation = replace(config.simulation, applications=config.block_time_applications)
    seed = world_seed(config, 0, 0)
    world = build_world(application, simulation, seed, inputs.towers_km, inputs.trace)
    rows = []
    progress("4 s blocks", 0, 2)
    for label, block_time in (
        ("instant", None),
        (f"{config.block_time_s:g} s", config.block_time_s),
    ):
        if block_time is None:
            rows.append(_timed_fresco(world, accounts, seed, label, background=False))
        else:
            with anvil_node(block_time_s=block_time) as node, connected(node.network_choice):
                from ape import accounts as ape_accounts

                chain_accounts = list(ape_accounts.test_accounts)
                rows.append(_timed_fresco(world, chain_accounts, seed, label, background=True))
        progress("4 s blocks", len(rows), 2)
    return rows


def _timed_fresco(
    world: World, accounts: list[Any], seed: int, label: str, background: bool
) -> dict[str, Any]:
    contract, nodes = deploy_for(world, accounts[0], accounts[1])
    client = ReputationClient(contract, accounts[1], nodes, batch_size=256, flush_interval_s=0.5)
    engine = fresco()
    started = time.perf_counter()
    if background:
        client.start()
    result = simulate(world, engine, ChainReputation(client, nodes, background), seed + 1)
    simulated_wall_s = time.perf_counter() - started
    client.stop()  # sends what is left and waits for it
    decisions = [t for app in result.applications for t in app.decision_times_s]
    return {
        "chain": label,
        **decision_time_ms(decisions),
        "simulation_wall_s": simulated_wall_s,
        "until_counted_wall_s": time.perf_counter() - started,
        "reports_counted": len(client.counted),
        "batches": client.transactions,
        "score_mismatches": mirrored_mismatches(contract, client, nodes),
    }


# ---------------------------------------------------------------- outputs


METRICS = (
    ("response_s", "response time (s)"),
    ("battery_lifetime", "battery left"),
    ("cost", "cost (units)"),
    ("qos_violation_rate", "QoS violation rate"),
)


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and standard deviation over runs per application, engine and metric."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["application"], row["engine"])].append(row)
    table = []
    for (application, engine), members in groups.items():
        entry: dict[str, Any] = {"application": application, "engine": engine, "runs": len(members)}
        for key in (*(m for m, _ in METRICS), "decision_ms_mean", "failures", "fallbacks"):
            values = np.array([m[key] for m in members], dtype=float)
            entry[f"{key}_mean"] = float(values.mean())
            entry[f"{key}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        entry["score_mismatches"] = sum(m["score_mismatches"] for m in members)
        table.append(entry)
    return table


def distribution(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Share of offloadable tasks that ended on each site type, per application and engine."""
    groups: dict[tuple[str, str], np.ndarray] = defaultdict(lambda: np.zeros(len(SiteKind)))
    for row in rows:
        groups[(row["application"], row["engine"])] += [row[f"placed_{k}"] for k in KIND_LABELS]
    return [
        {
            "application": a,
            "engine": e,
            **{
                k: float(c / max(1, counts.sum())) for k, c in zip(KIND_LABELS, counts, strict=True)
            },
        }
        for (a, e), counts in groups.items()
    ]


def run_fresco_replay(
    accounts: list[Any],
    config: FrescoReplayConfig,
    out_dir: Path,
    progress: Progress = _quiet,
    inputs: Inputs | None = None,
) -> dict[str, Any]:
    """The whole replay; writes CSVs, PNGs and summary.md to out_dir and returns headline
    figures. `inputs` (loaded from `config` if not given) lets a CLI refuse bad files first."""
    config.check()
    inputs = inputs or Inputs.load(config)
    journal_path = out_dir / UNIT_JOURNAL
    resumed = len(UnitJournal(journal_path, config).done)
    started = time.perf_counter()
    rows = replay_runs(accounts, config, inputs, progress, journal_path)
    runs_wall_s = time.perf_counter() - started
    table = summarise(rows)
    shares = distribution(rows)
    sweep = decision_time_sweep(config, inputs, progress)
    blocks = block_time_comparison(accounts, config, inputs, progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(out_dir / "runs.csv", rows)
    write_csv(out_dir / "metrics.csv", table)
    write_csv(out_dir / "distribution.csv", shares)
    write_csv(out_dir / "decision_time.csv", sweep)
    write_csv(out_dir / "block_time.csv", blocks)
    _plot_metrics(table, out_dir / "metrics.png")
    _plot_distribution(shares, out_dir / "distribution.png")
    _plot_sweep(sweep, out_dir / "decision_time.png")
    (out_dir / "summary.md").write_text(
        _summary(config, table, shares, sweep, blocks, runs_wall_s, resumed)
    )
    journal_path.unlink()  # every output is written: the next run starts afresh
    return _headline(table, sweep, blocks)


def _headline(
    table: list[dict[str, Any]], sweep: list[dict[str, Any]], blocks: list[dict[str, Any]]
) -> dict[str, Any]:
    lowest = {}
    for application in dict.fromkeys(r["application"] for r in table):
        members = [r for r in table if r["application"] == application]
        best = min(members, key=lambda r: r["qos_violation_rate_mean"])
        lowest[application] = best["engine"]
    fresco_sweep = [r for r in sweep if r["engine"] == "FRESCO"]
    ends = (fresco_sweep[0], fresco_sweep[-1]) if fresco_sweep else ()
    return {
        "fewest QoS violations": lowest,
        "FRESCO decision p50 ms by sites": {r["sites"]: round(r["p50_ms"], 2) for r in ends},
        "decision p50 ms by block time": {r["chain"]: round(r["p50_ms"], 2) for r in blocks},
    }


def _plot_metrics(table: list[dict[str, Any]], path: Path) -> None:
    applications = list(dict.fromkeys(r["application"] for r in table))
    engines = list(dict.fromkeys(r["engine"] for r in table))
    figure, _ = new_figure(12, 7)
    figure.clf()
    width = 0.8 / len(engines)
    for panel, (metric, label) in enumerate(METRICS, start=1):
        axes = figure.add_subplot(2, 2, panel)
        for e, engine in enumerate(engines):
            rows = [
                next(r for r in table if r["application"] == a and r["engine"] == engine)
                for a in applications
            ]
            axes.bar(
                np.arange(len(applications)) + e * width,
                [r[f"{metric}_mean"] for r in rows],
                width,
                yerr=[r[f"{metric}_std"] for r in rows],
                label=engine,
                capsize=2,
            )
        axes.set_xticks(np.arange(len(applications)) + 0.4 - width / 2, applications)
        axes.set_ylabel(label)
        axes.grid(True, axis="y", alpha=0.3)
    figure.axes[0].legend(fontsize=7, ncol=2)
    save_figure(figure, path)


def _plot_distribution(shares: list[dict[str, Any]], path: Path) -> None:
    applications = list(dict.fromkeys(r["application"] for r in shares))
    figure, _ = new_figure(12, 3.8)
    figure.clf()
    for panel, application in enumerate(applications, start=1):
        axes = figure.add_subplot(1, len(applications), panel)
        rows = [r for r in shares if r["application"] == application]
        bottom = np.zeros(len(rows))
        for kind in KIND_LABELS:
            values = np.array([r[kind] for r in rows])
            axes.bar([r["engine"] for r in rows], values, bottom=bottom, label=kind)
            bottom += values
        axes.set_title(application)
        axes.tick_params(axis="x", rotation=60, labelsize=7)
        axes.set_ylim(0, 1)
    figure.axes[0].set_ylabel("share of offloadable tasks")
    figure.axes[-1].legend(fontsize=7)
    save_figure(figure, path)


def _plot_sweep(sweep: list[dict[str, Any]], path: Path) -> None:
    figure, axes = new_figure()
    for engine in dict.fromkeys(r["engine"] for r in sweep):
        rows = [r for r in sweep if r["engine"] == engine]
        axes.plot([r["sites"] for r in rows], [r["p50_ms"] for r in rows], marker="o", label=engine)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("candidate sites")
    axes.set_ylabel("decision time p50 (ms)")
    axes.legend(fontsize=7)
    save_figure(figure, path)


def _against_the_paper(table: list[dict[str, Any]]) -> list[list[str]]:
    def leaders(members: list[dict[str, Any]], key: str, pick: Callable[..., float]) -> str:
        target = pick(r[key] for r in members)
        return ", ".join(r["engine"] for r in members if np.isclose(r[key], target))

    rows = []
    for application in dict.fromkeys(r["application"] for r in table):
        members = [r for r in table if r["application"] == application]
        rows.append(
            [
                application,
                leaders(members, "qos_violation_rate_mean", min),
                leaders(members, "response_s_mean", min),
                leaders(members, "qos_violation_rate_mean", max),
            ]
        )
    return rows


def _summary(
    config: FrescoReplayConfig,
    table: list[dict[str, Any]],
    shares: list[dict[str, Any]],
    sweep: list[dict[str, Any]],
    blocks: list[dict[str, Any]],
    runs_wall_s: float,
    resumed: int,
) -> str:
    sim = config.simulation

    def pm(row: dict[str, Any], key: str, digits: int) -> str:
        return f"{row[f'{key}_mean']:.{digits}f} ± {row[f'{key}_std']:.{digits}f}"

    metric_rows = [
        [
            r["application"],
            r["engine"],
            pm(r, "response_s", 3),
            pm(r, "qos_violation_rate", 3),
            pm(r, "battery_lifetime", 4),
            f"{r['cost_mean']:.2e} ± {r['cost_std']:.1e}",
            pm(r, "failures", 1),
            pm(r, "decision_ms_mean", 2),
        ]
        for r in table
    ]
    share_rows = [
        [r["application"], r["engine"], *(f"{r[k]:.2f}" for k in KIND_LABELS)] for r in shares
    ]
    sweep_rows = [
        [r["engine"], r["sites"], f"{r['p50_ms']:.2f}", f"{r['p95_ms']:.2f}"] for r in sweep
    ]
    block_rows = [
        [
            r["chain"],
            r["decisions"],
            f"{r['p50_ms']:.2f}",
            f"{r['mean_ms']:.2f}",
            f"{r['simulation_wall_s']:.1f}",
            f"{r['until_counted_wall_s']:.1f}",
            r["score_mismatches"],
        ]
        for r in blocks
    ]
    mismatches = sum(r["score_mismatches"] for r in table)
    paper_rows = _against_the_paper(table)
    return "\n".join(
        [
            "# FRESCO replay",
            "",
            f"{config.runs} runs x {sim.applications} applications in sequence, "
            f"{sim.towers} towers in {sim.cells} cells (+ cloud + device), seed {config.seed}; "
            f"towers {config.towers_path or 'synthetic'}, availability "
            f"{config.trace_path or 'synthetic (Skype statistics)'}. "
            f"Runs took {runs_wall_s:.0f} s of wall time"
            + (f", after {resumed} units resumed from an earlier attempt." if resumed else "."),
            "",
            "Mean ± std over runs. Response time is per application; the QoS violation rate is "
            "the share of applications over their deadline; battery is the share left after "
            "the run; failures are offloading attempts that hit a failed site.",
            "",
            markdown_table(
                [
                    "application",
                    "engine",
                    "response (s)",
                    "QoS violations",
                    "battery left",
                    "cost",
                    "failures",
                    "decision (ms)",
                ],
                metric_rows,
            ),
            "",
            f"On-chain scores checked against the Python mirror of every counted report after "
            f"each engine: {mismatches} mismatches.",
            "",
            "## Against the paper",
            "",
            "The paper: FRESCO has the lowest QoS violations on Intrasafed and MobiAR and the "
            "best response time; MDP the most violations. This replay (ties share the place):",
            "",
            markdown_table(
                ["application", "fewest violations", "best response time", "most violations"],
                paper_rows,
            ),
            "",
            "## Offloading distribution (share of offloadable tasks per site type)",
            "",
            markdown_table(["application", "engine", *KIND_LABELS], share_rows),
            "",
            "## Decision time against candidate sites",
            "",
            markdown_table(["engine", "sites", "p50 (ms)", "p95 (ms)"], sweep_rows),
            "",
            f"MDP is left out above {config.mdp_sweep_limit} sites (policy iteration solves an "
            "n x n system per step).",
            "",
            "## The same FRESCO decisions with blocks on demand and with "
            f"{config.block_time_s:g} s blocks",
            "",
            markdown_table(
                [
                    "chain",
                    "decisions",
                    "p50 (ms)",
                    "mean (ms)",
                    "simulation wall (s)",
                    "until all counted (s)",
                    "score mismatches",
                ],
                block_rows,
            ),
            "",
            "With slow blocks the reports go out from the client's background thread: the "
            "decisions read the local score copy and never wait; only the counting does.",
            "",
            "Plots: metrics.png, distribution.png, decision_time.png.",
            "",
        ]
    )
