"""The `authors` reading of FRESCO (issue 20): each departure switch of ModelParameters does
what the FRESCO authors' code does, and only when it is on; `--model authors` turns them all on
and loads the authors' versions of the applications."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pytest
from utils.fresco_worlds import ONE_CELL as CONFIG
from utils.fresco_worlds import Device, always_up_world

from edgeledger.errors import EdgeledgerError
from edgeledger.fresco.applications import (
    BUILT_IN,
    UNIFORM_SIZE,
    TaskSpec,
    built_in,
    sample_tasks,
)
from edgeledger.fresco.availability import Availability
from edgeledger.fresco.engines import Decision, DecisionView, Mdp, sigmoid_reward
from edgeledger.fresco.models import (
    AUTHORS_MIPS,
    CLOUD_LATENCY_MEAN_S,
    CLOUD_LATENCY_S,
    Load,
    ModelParameters,
    drawn_round_trip_s,
    round_trip_s,
    sample_batch_wait_s,
    stages,
)
from edgeledger.fresco.simulator import (
    LocalReputation,
    SimulationConfig,
    World,
    build_world,
    ready_batches,
    simulate,
)
from edgeledger.fresco.sites import SiteKind
from edgeledger.replays.fresco.ablation import (
    ENGINES,
    ablation_unit,
    departure_effects,
    variants,
)
from edgeledger.replays.fresco.settings import (
    AUTHORS_FAILURE_DETECTION_S,
    DEPARTURES,
    FrescoReplayConfig,
    Inputs,
    changed_settings,
    switches,
    with_departure,
    with_model,
    with_settings,
)

PAPER = ModelParameters()


def world_of(application_name: str, parameters: ModelParameters = PAPER, seed: int = 3) -> World:
    return always_up_world(application_name, parameters, seed)


def test_uniform_task_sizes__every_task_from_the_authors_range_whatever_its_type() -> None:
    app = built_in("naviar")
    uniform = sample_tasks(app, np.random.default_rng(1), uniform_sizes=True)
    table = sample_tasks(app, np.random.default_rng(1))
    for task in uniform:
        assert UNIFORM_SIZE.mcycles[0] <= task.mcycles <= UNIFORM_SIZE.mcycles[1]
        assert 0.5 <= task.input_kb <= 1 and 0.5 <= task.output_kb <= 1
    assert max(t.mcycles for t in table) > 100  # Table III's compute-intensive tasks
    assert (
        build_world(app, CONFIG, 2).tasks
        != build_world(
            app, replace(CONFIG, parameters=replace(PAPER, uniform_task_sizes=True)), 2
        ).tasks
    )


def test_authors_queues__every_site_waits_for_background_work_at_its_mips_the_device_too() -> None:
    world = world_of("mobiar")
    infrastructure, load = world.infrastructure, world.loads[0]
    task = world.tasks[0][0]
    sites = np.arange(infrastructure.size)
    paper = stages(task, sites, infrastructure, load, PAPER)
    authors = stages(task, sites, infrastructure, load, replace(PAPER, authors_queues=True))
    mobile = infrastructure.mobile
    assert paper.exec_rho[mobile] == 0 and paper.batch_wait_s.tolist() == [0.0] * len(sites)
    mips = AUTHORS_MIPS[infrastructure.kind]
    assert authors.batch_wait_s == pytest.approx(load.arrival_per_s / load.size_rate / mips)
    assert authors.batch_wait_s[mobile] > 0  # the device shares the background load
    assert (authors.exec_rho == 0).all() and (authors.uplink_rho == 0).all()
    assert authors.exec_s == pytest.approx(task.mcycles / mips)


def test_sample_batch_wait__its_mean_is_the_expected_wait() -> None:
    rng = np.random.default_rng(5)
    draws = [sample_batch_wait_s(15.0, 0.75, 2_800.0, rng) for _ in range(20_000)]
    assert np.mean(draws) == pytest.approx(15.0 / 0.75 / 2_800.0, rel=0.03)
    assert min(draws) == 0.0  # sometimes nothing is ahead


def test_downlink_and_edge_round_trip__off_they_cost_nothing() -> None:
    world = world_of("mobiar")
    infrastructure, load, task = world.infrastructure, world.loads[0], world.tasks[0][2]
    sites = np.arange(infrastructure.size)
    kind = infrastructure.kind
    edge = np.isin(kind, [SiteKind.ED, SiteKind.EC, SiteKind.ER])
    off = replace(PAPER, downlink=False, edge_round_trip=False)
    paper, authors = stages(task, sites, infrastructure, load, PAPER), None
    authors = stages(task, sites, infrastructure, load, off)
    assert (paper.downlink_s[~paper.local] > 0).all()
    assert (authors.downlink_s == 0).all() and (authors.downlink_rho == 0).all()
    assert (authors.propagation_s[edge] == 0).all() and (paper.propagation_s[edge] > 0).all()
    cloud = infrastructure.cloud
    assert authors.propagation_s[cloud] == paper.propagation_s[cloud] > 0


def test_drawn_cloud_latency__to_and_from_the_cloud_as_the_authors_draw_it() -> None:
    world = world_of("mobiar")
    infrastructure = world.infrastructure
    drawn = replace(PAPER, drawn_cloud_latency=True)
    cloud, mobile, edge = infrastructure.cloud, infrastructure.mobile, 0
    rng = np.random.default_rng(8)

    def trip(site: int, previous: int, parameters: ModelParameters) -> float:
        expected = float(round_trip_s(np.array([site]), infrastructure, parameters)[0])
        return drawn_round_trip_s(expected, site, previous, infrastructure, parameters, rng)

    to_cloud = [trip(cloud, mobile, drawn) for _ in range(4000)]
    assert np.mean(to_cloud) == pytest.approx(CLOUD_LATENCY_S + CLOUD_LATENCY_MEAN_S, rel=0.01)
    assert np.std(to_cloud) == pytest.approx(0.0335, rel=0.05)
    from_cloud = trip(edge, cloud, drawn)
    assert from_cloud > 0.1  # the task before ran in the cloud: its latency is paid again
    expected_edge = float(infrastructure.column("round_trip_s")[edge])
    assert trip(edge, mobile, drawn) == expected_edge
    assert trip(cloud, mobile, PAPER) == pytest.approx(0.06)


def test_ready_batches__each_batch_every_task_whose_predecessors_ran_before() -> None:
    app = built_in("naviar")
    tasks = sample_tasks(app, np.random.default_rng(0))
    names = [[t.name for t in batch] for batch in ready_batches(app.tasks, tasks)]
    assert names == [
        ["MAP", "GUI"],
        ["COORDINATION"],
        ["SHORTEST_PATH"],
        ["MOTION_COMMAND", "RUNTIME_LOCATION"],
        ["VIRTUAL_GUIDANCE"],
        ["DISPLAY"],
    ]


def test_ready_batches__a_batch_waits_for_its_slowest_task() -> None:
    """A big task X beside a chain Y -> Z, then W after both. On the device with no background
    work every time is cycles / capacity: the critical path is max(X, Y + Z) + W; in ready
    batches [X, Y], [Z], [W] it is max(X, Y) + Z + W."""
    specs = (
        TaskSpec("X", "CI", 1.0, False, ()),
        TaskSpec("Y", "Moderate", 1.0, False, ()),
        TaskSpec("Z", "Moderate", 1.0, False, ("Y",)),
        TaskSpec("W", "Moderate", 1.0, False, ("X", "Z")),
    )
    app = replace(built_in("intrasafed"), tasks=specs)
    world = build_world(app, CONFIG, 4)
    speed = float(world.infrastructure.capacity_mcps()[world.infrastructure.mobile])
    t = {task.name: task.mcycles / speed for task in world.tasks[0]}
    assert t["X"] > t["Y"] + t["Z"]  # Table III: a CI task outweighs two Moderate ones
    (critical,) = simulate(world, Device(), LocalReputation(), 1).applications
    batched_world = replace(
        world, config=replace(CONFIG, parameters=replace(PAPER, ready_batches=True))
    )
    (batched,) = simulate(batched_world, Device(), LocalReputation(), 1).applications
    assert critical.response_s == pytest.approx(t["X"] + t["W"])
    assert batched.response_s == pytest.approx(t["X"] + t["Z"] + t["W"])


def test_edge_constraint_everywhere__frescos_view_has_the_edge_constraint_and_whole_deadline() -> (
    None
):
    for switch in (False, True):
        world = world_of("mobiar", replace(PAPER, edge_constraint_everywhere=switch))
        engine = Device()
        simulate(world, engine, LocalReputation(), 1)
        late = [v for v in engine.views if v.deadline_left_s < world.application.deadline_s]
        edge = world.application.time_constraint_s["edge"]
        kinds = {
            bool((v.time_constraint_s == edge).all()) for v in engine.views if len(v.candidates)
        }
        assert kinds == {switch}
        assert bool(late) != switch  # later tasks see what is left, unless the switch is on


@dataclass
class FirstServer:
    name: str = "first"
    sites: list[int] = field(default_factory=list)

    def decide(self, view: DecisionView) -> Decision:
        servers = view.candidates[view.kind != SiteKind.MOBILE]
        site = int(servers[0]) if len(servers) else int(view.infrastructure.mobile)
        self.sites.append(site)
        return Decision(site)


def failing_first_server(parameters: ModelParameters) -> tuple[World, int]:
    """Intrasafed on a world whose first server goes down 1 ms into the first task it gets."""
    world = world_of("intrasafed", parameters)
    first = int(world.infrastructure.candidates(0)[0])
    tasks = world.tasks[0]
    local_first = (
        tasks[0].mcycles / world.infrastructure.capacity_mcps()[world.infrastructure.mobile]
    )
    size = world.infrastructure.size
    starts = [np.array([0.0]) for _ in range(size)]
    ends = [np.array([world.horizon_s]) for _ in range(size)]
    ends[first] = np.array([local_first + 0.001])
    return replace(world, availability=Availability(starts, ends, world.horizon_s)), first


def test_checked_at_dispatch__a_site_up_when_the_task_leaves_does_not_fail_during_it() -> None:
    for switch in (False, True):
        world, _ = failing_first_server(replace(PAPER, checked_at_dispatch=switch))
        (result,) = simulate(world, FirstServer(), LocalReputation(), 1).applications
        # Under the switch the first offloaded task finishes on the site that went down under
        # it; the next task finds it down.
        assert result.failures == (3 if switch else 4)


def test_device_after_failure__a_failed_task_runs_on_the_device() -> None:
    for switch in (False, True):
        world, first = failing_first_server(replace(PAPER, device_after_failure=switch))
        engine = FirstServer()
        (result,) = simulate(world, engine, LocalReputation(), 1).applications
        after_failure = [engine.sites[i + 1] for i, s in enumerate(engine.sites) if s == first]
        mobile = int(world.infrastructure.mobile)
        assert result.failures == 4
        assert set(after_failure) == (
            {mobile} if switch else {int(world.infrastructure.candidates(0)[1])}
        )


def test_sigmoid_mdp_reward__the_authors_reward_and_the_cloud_it_favours() -> None:
    """Their reward on raw seconds, joules and money gives an edge site little over the
    cloud: MDP goes to the cloud unless the edge site is nearly always up."""
    world = world_of("mobiar", replace(PAPER, sigmoid_mdp_reward=True))
    engine = Device()
    simulate(world, engine, LocalReputation(), 1)
    view = next(v for v in engine.views if v.task.offloadable)
    est = view.estimate
    reward = sigmoid_reward(est)
    local = view.kind == SiteKind.MOBILE
    expected = 0.34 / (1 + np.exp(est.response_s)) + 0.33 / (1 + np.exp(est.energy_j))
    expected = expected + np.where(local, 0.0, 0.33 / (1 + np.exp(est.price)))  # s(0) = 0
    assert reward == pytest.approx(expected)
    cloud = view.kind == SiteKind.CLOUD
    chosen = {}
    for share in (0.9, 1.0):
        up = np.where(cloud | local, 1.0, share)
        decision = Mdp().decide(replace(view, observed_up_share=up))
        chosen[share] = int(view.infrastructure.kind[decision.site])
    assert chosen[0.9] == SiteKind.CLOUD  # edge sites up 90% of the time lose to the cloud
    assert chosen[1.0] != SiteKind.CLOUD
    paper_view = replace(view, parameters=PAPER, observed_up_share=np.where(cloud | local, 1, 0.9))
    assert Mdp().decide(paper_view).site != view.infrastructure.cloud  # not under the paper's


def test_with_model__authors_turns_every_switch_on_and_loads_their_applications() -> None:
    config = with_model(FrescoReplayConfig(), "authors")
    parameters = config.simulation.parameters
    assert all(getattr(parameters, name) != getattr(PAPER, name) for name in switches())
    assert config.simulation.connect_timeout_s == AUTHORS_FAILURE_DETECTION_S
    assert changed_settings(config.simulation, "authors") == {}
    applications = {a.name: a for a in Inputs.load(config).applications}
    assert applications["MobiAR"].deadline_s == 0.45
    assert {a.name: a.deadline_s for a in Inputs.load(FrescoReplayConfig()).applications} == {
        "Intrasafed": 0.108,
        "MobiAR": 0.4,
        "NaviAR": 0.8,
    }
    assert all(built_in(f"authors-{name}").name == built_in(name).name for name in BUILT_IN)
    one_back = with_settings(config.simulation, ["downlink=1"])
    assert changed_settings(one_back, "authors") == {"downlink": 1.0}
    with pytest.raises(EdgeledgerError, match="no model 'other'"):
        replace(config, model="other").check()


@pytest.mark.parametrize("text", ["2", "yes", "", "0.5"])
def test_with_settings__a_switch_takes_1_or_0(text: str) -> None:
    with pytest.raises(EdgeledgerError, match=rf"--set downlink: '{text}' is not a switch"):
        with_settings(SimulationConfig(), [f"downlink={text}"])
    assert with_settings(SimulationConfig(), ["ready_batches=on"]).parameters.ready_batches


def test_load_draw__the_paper_reading_keeps_the_device_free_of_background_work() -> None:
    world = world_of("mobiar")
    load: Load = world.loads[0]
    assert load.arrival_per_s[world.infrastructure.mobile] > 0  # drawn for every site
    task = world.tasks[0][0]
    mobile = np.array([world.infrastructure.mobile])
    assert stages(task, mobile, world.infrastructure, load, PAPER).exec_rho[0] == 0.0


def test_departures__name_every_difference_between_the_two_readings() -> None:
    names = [d.name for d in DEPARTURES]
    assert sorted(names) == sorted([*switches(), "connect_timeout_s", "applications"])
    paper = with_model(FrescoReplayConfig(), "paper")
    every = paper
    for name in names:
        every = with_departure(every, name, authors=True)
    assert every == with_model(FrescoReplayConfig(), "authors")
    for name, variant in variants(FrescoReplayConfig()).items():
        model, _, departure = name.partition(" ")
        base = with_model(FrescoReplayConfig(), model)
        assert (variant == base) == (not departure)


def test_departure_effects__paired_run_by_run() -> None:
    """paper + d is 10 ms slower than paper in every run, whatever the runs' spread: the
    effect is exactly +10 ms; authors - d equals authors: no effect."""
    rows = []
    for run, level in enumerate((0.1, 0.3, 0.2)):
        for variant in variants(FrescoReplayConfig()):
            slower = variant == "paper + downlink"
            for engine in ENGINES:
                rows.append(
                    {
                        "variant": variant,
                        "application": "MobiAR",
                        "engine": engine,
                        "run": run,
                        "response_s": level + (0.01 if slower else 0.0),
                    }
                )
    effects = departure_effects(rows)
    added = effects[("downlink", "added", "MobiAR", "FRESCO")]
    assert (added.mean, added.low, added.high) == pytest.approx((0.01, 0.01, 0.01))
    assert effects[("downlink", "removed", "MobiAR", "FRESCO")].mean == 0.0
    assert effects[("ready_batches", "added", "MobiAR", "MDP")].mean == 0.0


def test_ablation_unit__a_row_per_engine_the_same_for_the_same_seed() -> None:
    config = replace(FrescoReplayConfig(), simulation=replace(CONFIG, applications=3), runs=1)

    def unit(name: str) -> list[dict[str, object]]:  # measured decision times aside
        rows = ablation_unit(config, (name, 1, 0))
        return [{k: v for k, v in r.items() if not k.startswith("decision_ms")} for r in rows]

    first = unit("authors - downlink")
    assert [r["engine"] for r in first] == list(ENGINES)
    assert {r["application"] for r in first} == {"MobiAR"}
    assert first == unit("authors - downlink")
    assert first != unit("authors")


def test_known_availability__engines_see_each_sites_share_of_its_whole_trace() -> None:
    for switch in (False, True):
        parameters = replace(PAPER, known_availability=switch)
        world = build_world(built_in("mobiar"), replace(CONFIG, parameters=parameters), 6)
        engine = Device()
        simulate(world, engine, LocalReputation(), 1)
        first = engine.views[0]
        shares = world.availability.lifespan_share
        assert shares is not None and 0 < shares.min() < 1  # some site is down at times
        remote = first.kind != SiteKind.MOBILE
        seen = first.observed_up_share[remote]
        if switch:
            assert seen.tolist() == shares[first.candidates[remote]].tolist()
        else:  # what the device saw in the first milliseconds: each site up or down so far
            assert set(seen.tolist()) <= {0.0, 1.0}
            assert seen.tolist() != shares[first.candidates[remote]].tolist()
