"""Replays on Ray (edgeledger/replays/ray_units.py). A cluster of the test's own on this machine,
loopback only: a head and a worker node. FRESCO's units, BlockEdge's negotiation units and DMEC's
repetitions there give the local run's rows; a unit
pinned to the worker node runs there; a node lost mid-unit has its unit run again on another
node, with the same row. The test stops its own cluster, nothing else. Without --ray, nothing
imports Ray."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from ape_cli import ape_run, assert_one_line_refusal

from edgeledger.fresco.simulator import SimulationConfig
from edgeledger.progress import quiet
from edgeledger.replays.blockedge.experiment import negotiation_times
from edgeledger.replays.blockedge.settings import BlockedgeReplayConfig
from edgeledger.replays.dmec.experiment import gas_versus_tasks
from edgeledger.replays.dmec.settings import DmecReplayConfig
from edgeledger.replays.fresco.experiment import ray_unit, replay_runs
from edgeledger.replays.fresco.settings import FrescoReplayConfig, Inputs
from edgeledger.replays.ray_units import LOOPBACK_ONLY_ENV, Finished, on_ray

CONFIG = FrescoReplayConfig(
    applications=("mobiar",),
    engines=("FRESCO", "SQ EDGE", "MDP"),
    runs=2,
    simulation=SimulationConfig(applications=4, towers=8, cells=2),
)
UNITS = [(run, 0, engine) for run in range(CONFIG.runs) for engine in CONFIG.engines]
# Wall-clock measurements: the rest of a row is the result.
MEASURED = {"decision_ms_mean", "decision_ms_p50"}
NODE_OPTIONS = {"num_cpus": 1, "node_ip_address": "127.0.0.1", "object_store_memory": 80 << 20}


def results(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in MEASURED} for row in rows]


def announced(started: Path, unit: Any, item: Any) -> Any:
    """`unit(item)`, once a file names the node and process that started it."""
    import ray

    (started / f"{ray.get_runtime_context().get_node_id()}-{os.getpid()}").touch()
    return unit(item)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A head and a worker node, each with one CPU, on loopback; stopped at the end (its own
    processes only: `ray stop` would stop every Ray on the machine)."""
    os.environ.setdefault(LOOPBACK_ONLY_ENV, "0")  # before Ray is imported
    import ray.cloudpickle
    from ray.cluster_utils import Cluster

    # This module's functions go to the workers by value (they cannot import a test module).
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    head = {
        **NODE_OPTIONS,
        "include_dashboard": False,
        # A lost node noticed in about 2 s, not 30.
        "_system_config": {"health_check_period_ms": 500, "health_check_failure_threshold": 4},
    }
    cluster = Cluster(initialize_head=True, head_node_args=head)
    cluster.add_node(**NODE_OPTIONS)
    cluster.wait_for_nodes()
    processes = [p.process for node in cluster.list_all_nodes() for p in _processes(node)]
    yield cluster
    cluster.shutdown()
    assert all(process.poll() is not None for process in processes)


def _processes(node: Any) -> list[Any]:
    return [info for infos in node.all_processes.values() for info in infos]


@pytest.fixture(scope="module")
def local_rows(accounts: Any) -> list[dict[str, Any]]:
    """The units' rows on the test's own chain, one process."""
    return replay_runs(list(accounts), CONFIG, Inputs.load(CONFIG))


def on_cluster(cluster: Any, units: list[Any], **kwargs: Any) -> dict[Any, Finished]:
    work = partial(ray_unit, config=CONFIG, inputs=Inputs.load(CONFIG))
    unit = kwargs.pop("unit", lambda w: w)(work)
    return {f.item: f for f in on_ray(cluster.address, unit, units, "units", quiet, **kwargs)}


@pytest.mark.slow
def test_ray__the_replay_on_a_cluster_gives_the_local_rows_and_resumes_from_its_journal(
    cluster: Any, local_rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    config = replace(CONFIG, ray=cluster.address)
    journal = tmp_path / "units.jsonl"
    rows = replay_runs([], config, Inputs.load(config), journal_path=journal)
    assert results(rows) == results(local_rows)
    assert len(journal.read_text().splitlines()) == len(UNITS)
    # Run again: every unit comes from the journal, none runs (the journal is not written).
    assert results(replay_runs([], config, Inputs.load(config), journal_path=journal)) == (
        results(local_rows)
    )
    assert len(journal.read_text().splitlines()) == len(UNITS)


@pytest.mark.slow
def test_ray__a_unit_pinned_to_the_worker_node_runs_there(
    cluster: Any, local_rows: list[dict[str, Any]]
) -> None:
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    worker = next(n for n in cluster.list_all_nodes() if n is not cluster.head_node)
    pinned = UNITS[1]

    def placement(unit: Any) -> dict[str, Any]:
        if unit != pinned:
            return {}
        return {"scheduling_strategy": NodeAffinitySchedulingStrategy(worker.node_id, soft=False)}

    done = on_cluster(cluster, UNITS, placement=placement)
    assert done[pinned].node == worker.node_id
    assert results([done[unit].result for unit in UNITS]) == results(local_rows)


@pytest.mark.slow
def test_ray__a_node_lost_mid_unit_has_its_unit_run_again_elsewhere_with_the_same_row(
    cluster: Any, local_rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    doomed = cluster.add_node(**NODE_OPTIONS)  # the fixture's nodes stay
    cluster.wait_for_nodes()
    unit = UNITS[2]
    started = tmp_path / "started"
    started.mkdir()
    # Soft: on the doomed node while it lives, anywhere once it is gone.
    placement = {"scheduling_strategy": NodeAffinitySchedulingStrategy(doomed.node_id, soft=True)}
    done: dict[Any, Finished] = {}
    failed: list[BaseException] = []

    def run() -> None:
        try:
            done.update(
                on_cluster(
                    cluster,
                    [unit],
                    placement=lambda _: placement,
                    unit=lambda work: partial(announced, started, work),
                )
            )
        except BaseException as error:
            failed.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(doomed.node_id) for p in started.iterdir()):
        assert time.monotonic() < deadline and thread.is_alive(), "the unit never started"
        time.sleep(0.05)
    cluster.remove_node(doomed)  # mid-unit: it has just started its node, ape, the deploy
    thread.join(timeout=300)

    assert not thread.is_alive(), "the unit was not run again within 300 s"
    assert not failed, failed
    assert done[unit].node != doomed.node_id
    runs_started = sorted(p.name.split("-")[0] for p in started.iterdir())
    assert len(runs_started) == 2 and doomed.node_id in runs_started
    assert results([done[unit].result]) == results([local_rows[UNITS.index(unit)]])


@pytest.mark.slow
def test_ray__blockedge_s_negotiation_units_on_the_cluster_give_the_local_rows(
    cluster: Any,
) -> None:
    """Units that start an anvil of their own, with a block time, on a Ray worker."""
    config = BlockedgeReplayConfig(
        block_times_s=(1.0,), negotiation_requests=2, negotiation_chunk=1
    )
    here = negotiation_times(config)
    on_ray_rows = negotiation_times(replace(config, ray=cluster.address))
    measured = {"negotiation_s", "blocks"}
    assert [r["request"] for r in on_ray_rows] == [0, 1]
    assert [{k: v for k, v in r.items() if k not in measured} for r in on_ray_rows] == [
        {k: v for k, v in r.items() if k not in measured} for r in here
    ]


@pytest.mark.slow
def test_ray__dmec_s_repetitions_on_the_cluster_give_the_local_rows(
    cluster: Any, accounts: Any
) -> None:
    """Units that run on their worker's own anvil, each deploying a world of its own."""
    config = DmecReplayConfig(task_counts=(1, 3), repetitions=2)
    assert gas_versus_tasks(replace(config, ray=cluster.address)) == gas_versus_tasks(config)


def test_ray__nothing_imports_ray_without_the_flag() -> None:
    code = (
        "import sys, edgeledger.replays.fresco.experiment, edgeledger.replays.ray_units, "
        "edgeledger.replays.blockedge.experiment, edgeledger.replays.dmec.experiment; "
        "sys.exit('ray' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0


@pytest.mark.parametrize(
    "replay",
    [
        ["fresco", "--runs", "1"],
        # The same refusal through the same code: `make test-slow` only, for the time it takes.
        pytest.param(["blockedge", "--requests", "1"], marks=pytest.mark.slow),
    ],
)
@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("nowhere", "--ray takes auto or host:port, not 'nowhere'"),
        ("127.0.0.1:1", "no Ray cluster answers at 127.0.0.1:1"),
    ],
)
def test_ape_run__a_bad_ray_address_is_refused_in_one_line(
    replay: list[str], address: str, words: str, tmp_path: Path
) -> None:
    result = ape_run(*replay, "--ray", address, "--out", str(tmp_path))
    assert_one_line_refusal(result, words)
