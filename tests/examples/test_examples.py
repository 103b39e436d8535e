"""Each script of examples/ runs and does what its docstring says."""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from click.testing import CliRunner

from edgeledger.fresco.applications import built_in
from edgeledger.fresco.engines import Decision, DecisionView, fresco
from edgeledger.fresco.sites import SiteKind

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example(name: str) -> ModuleType:
    """examples/<name>.py as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@dataclass
class Recorded:
    """Wraps an engine; keeps every view it saw and what it chose."""

    engine: Any
    seen: list[tuple[DecisionView, int]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.engine.name)

    def decide(self, view: DecisionView) -> Decision:
        decision = self.engine.decide(view)
        self.seen.append((view, decision.site))
        return decision


def test_new_engine__picks_the_least_loaded_trusted_site_and_finishes_every_application() -> None:
    module = example("new_engine")
    recorded = Recorded(module.LeastLoadedTrusted())
    results = module.compare([recorded, fresco()], seed=3)
    offloadable = sum(task.offloadable for task in built_in("mobiar").tasks)
    for result in results:
        assert len(result.applications) == module.CONFIG.applications
        assert all(len(app.placements) == offloadable for app in result.applications)
    assert len(recorded.seen) >= module.CONFIG.applications * offloadable
    for view, site in recorded.seen:
        assert site in view.candidates
        usable = (view.kind != SiteKind.MOBILE) & view.up_now
        usable &= view.reputation >= module.MIN_SCORE
        if not usable.any():
            assert site == view.infrastructure.mobile
            continue
        chosen = int(np.flatnonzero(view.candidates == site)[0])
        assert usable[chosen]
        assert view.estimate.stages.exec_rho[chosen] == view.estimate.stages.exec_rho[usable].min()
    # Seeded: the same world and the same choices again.
    again = module.compare([module.LeastLoadedTrusted(), fresco()], seed=3)
    deadline_s = built_in("mobiar").deadline_s
    assert module.table(again, deadline_s) == module.table(results, deadline_s)


def test_new_engine__prints_a_row_per_engine() -> None:
    output = CliRunner().invoke(example("new_engine").cli, ["--seed", "1"], catch_exceptions=False)
    rows = output.stdout.splitlines()[2:]
    assert [row.split("  ")[0].strip() for row in rows] == ["LEAST LOADED", "FRESCO", "SQ EDGE"]


def nearest_capable(servers: list[Any], megacycles: int, budget_ms: int) -> int:
    """The example policy's rule, for a drone at the origin: the nearest server fast enough,
    else the largest; ties to the earliest."""
    capable = [i for i, s in enumerate(servers) if s.capacityMcps * budget_ms >= megacycles * 1000]
    if not capable:
        return max(range(len(servers)), key=lambda i: (servers[i].capacityMcps, -i))
    return min(capable, key=lambda i: (servers[i].x ** 2 + servers[i].y ** 2, i))


def test_new_policy__sends_each_task_where_its_rule_says(accounts: Any) -> None:
    module = example("new_policy")
    registry, policy, relayed = module.run(list(accounts))
    assert registry.getPolicy(registry.policyCount()) == policy.address
    assert policy.name() == "NearestCapable"
    servers = list(registry.getServers())
    assert [task.spec.compute_megacycles for task in relayed] == module.TASK_MEGACYCLES
    for task in relayed:
        expected = servers[nearest_capable(servers, task.spec.compute_megacycles, module.BUDGET_MS)]
        assert task.server == expected.account
        assert task.gas_used > 21_000
    # Both branches of the rule: a fast enough server nearest first, the largest when none is.
    assert len({task.server for task in relayed}) == len(module.SERVERS)


def test_custom_application__replays_the_tasks_of_its_file(accounts: Any) -> None:
    module = example("custom_application")
    raw = json.loads(module.APPLICATION.read_text())
    inputs, rows = module.replay(list(accounts))
    [application] = inputs.applications
    assert application.name == raw["name"]
    assert application.deadline_s * 1e3 == raw["deadline_ms"]
    as_loaded = {(t.name, t.type, t.ram_gb, t.offloadable, t.after) for t in application.tasks}
    in_file = {
        (t["name"], t["type"], t["ram_gb"], t["offloadable"], tuple(t["after"]))
        for t in raw["tasks"]
    }
    assert as_loaded == in_file
    assert "Video" in application.task_types  # the file's own task type
    offloadable = sum(t["offloadable"] for t in raw["tasks"])
    runs = module.CONFIG.simulation.applications
    assert [row["engine"] for row in rows] == list(module.CONFIG.engines)
    for row in rows:
        assert row["application"] == raw["name"]
        placed = sum(value for key, value in row.items() if key.startswith("placed_"))
        assert placed == runs * offloadable  # every offloadable task of every run ended
        assert row["decisions"] >= placed
        assert row["reports_counted"] > 0 and row["score_mismatches"] == 0
