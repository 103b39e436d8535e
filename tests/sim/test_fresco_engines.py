"""The decision engines: FRESCO's choice always satisfies its model (hypothesis over random
infrastructures), MINLP is the same model without reputation, the baselines do what their
papers say, and the DMEC adapters make the registry's choices."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeledger.dmec import policies as dmec
from edgeledger.fresco.applications import Task
from edgeledger.fresco.engines import (
    DecisionView,
    DmecAdapter,
    Mdp,
    QLearning,
    SqEdge,
    fresco,
    minlp,
    objective,
    policy_iteration,
    q_learning,
)
from edgeledger.fresco.models import Load, ModelParameters, estimate, mm1_wait_s
from edgeledger.fresco.sites import Infrastructure, SiteKind

PARAMETERS = ModelParameters()
# A compute-intensive task that may leave the device.
TASK = Task("T", mcycles=600, input_kb=6, output_kb=6, ram_gb=2, offloadable=True)


def make_view(
    kinds: list[int],
    *,
    arrivals: list[float],
    up: list[bool],
    reputation: list[int],
    task: Task,
    deadline_left_s: float = 1.0,
    battery_left_j: float = 1_000.0,
    constraint_s: float = 1.0,
    used_storage_gb: float = 0.0,
    seed: int = 0,
) -> DecisionView:
    """A cell of edge sites of `kinds`, plus the cloud and the device (last two)."""
    all_kinds = [*kinds, SiteKind.CLOUD, SiteKind.MOBILE]
    n = len(all_kinds)
    infrastructure = Infrastructure(
        kind=np.array(all_kinds, dtype=int),
        cell=np.array([0] * len(kinds) + [-1, -1]),
        x_km=np.arange(n, dtype=float),
        y_km=np.zeros(n),
        cells=1,
    )
    candidates = np.arange(n)
    local = infrastructure.kind == SiteKind.MOBILE
    return DecisionView(
        task=TASK,
        candidates=candidates,
        infrastructure=infrastructure,
        load=Load(np.array([*arrivals, 0.0]), np.ones(n)),
        used_storage_gb=np.full(n, used_storage_gb),
        parameters=PARAMETERS,
        time_constraint_s=np.full(n, constraint_s),
        deadline_left_s=deadline_left_s,
        battery_left_j=battery_left_j,
        up_now=np.array([*up, True]),
        reputation=np.where(local, 1_000, np.array([*reputation, 0])),
        observed_up_share=np.where(local, 1.0, np.linspace(0.3, 0.9, n)),
        previous_site=n - 1,
        device_xy_km=(0.0, 0.0),
        rng=np.random.default_rng(seed),
    )


def satisfied(view: DecisionView, site: int, use_reputation: bool) -> bool:
    """Every constraint of the model, checked here from the models directly."""
    i = int(np.flatnonzero(view.candidates == site)[0])
    est = estimate(
        view.task,
        view.candidates,
        view.infrastructure,
        view.load,
        view.used_storage_gb,
        view.parameters,
    )
    local = view.infrastructure.kind[site] == SiteKind.MOBILE
    remote = [
        int(view.reputation[j])
        for j in range(len(view.candidates))
        if view.kind[j] != SiteKind.MOBILE
    ]
    ranked = sorted(remote, reverse=True)
    k = view.parameters.reputation_rank
    threshold = ranked[k - 1] if len(ranked) >= k else 0
    checks = [
        bool(view.up_now[i]),
        est.response_s[i] <= view.time_constraint_s[i],
        est.response_s[i] <= view.deadline_left_s,
        est.energy_j[i] < view.battery_left_j,
        est.free_cores[i] >= 1,
        est.free_ram_gb[i] >= view.task.ram_gb,
        est.free_storage_gb[i] >= view.task.storage_gb,
        local or view.task.offloadable,
    ]
    if use_reputation:
        checks.append(local or view.reputation[i] >= threshold)
    return all(checks)


kinds_st = st.lists(
    st.sampled_from([SiteKind.ED, SiteKind.EC, SiteKind.ER]), min_size=1, max_size=14
)


@st.composite
def views(draw: Any) -> DecisionView:
    kinds = draw(kinds_st)
    n = len(kinds) + 1  # edge sites and the cloud
    floats = st.floats(0, 60, allow_nan=False)
    task = Task(
        "T",
        mcycles=draw(st.floats(50, 2_000)),
        input_kb=draw(st.floats(1, 40)),
        output_kb=draw(st.floats(1, 40)),
        ram_gb=draw(st.sampled_from([1, 2, 4, 8, 12])),
        offloadable=draw(st.booleans()),
    )
    return make_view(
        [int(k) for k in kinds],
        arrivals=draw(st.lists(floats, min_size=n, max_size=n)),
        up=draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        reputation=draw(st.lists(st.integers(0, 1_000), min_size=n, max_size=n)),
        task=task,
        deadline_left_s=draw(st.floats(0.001, 1.0)),
        battery_left_j=draw(st.sampled_from([0.01, 0.1, 1_000.0])),
        constraint_s=draw(st.floats(0.005, 1.0)),
        used_storage_gb=draw(st.sampled_from([0.0, 149.9999, 160.0])),
        seed=draw(st.integers(0, 2**32)),
    )


@settings(max_examples=150, deadline=None)
@given(view=views(), use_reputation=st.booleans())
def test_smt_engines__a_returned_site_satisfies_every_constraint_and_is_the_best(
    view: DecisionView, use_reputation: bool
) -> None:
    engine = fresco() if use_reputation else minlp()
    decision = engine.decide(view)
    feasible = [int(c) for c in view.candidates if satisfied(view, int(c), use_reputation)]
    if decision.fallback:
        assert feasible == []  # the fallback only when the model is unsatisfiable
        assert view.up_now[int(np.flatnonzero(view.candidates == decision.site)[0])]
        return
    assert satisfied(view, decision.site, use_reputation)
    cost = objective(view.estimate, view.parameters)
    assert cost[decision.site] <= min(cost[feasible]) + 1e-9


def test_fresco__leaves_out_a_site_below_the_kth_highest_score_minlp_takes_it() -> None:
    # Six EC sites, idle except site 0 (the fastest by far: no load) has the lowest score.
    view = dict(
        arrivals=[0.0, 18.0, 18.0, 18.0, 18.0, 18.0, 18.0],
        up=[True] * 7,
        reputation=[100, 900, 800, 700, 600, 500, 400],
        task=TASK,
    )
    kinds = [SiteKind.EC] * 6
    assert minlp().decide(make_view(kinds, **view)).site == 0  # type: ignore[arg-type]
    chosen = fresco().decide(make_view(kinds, **view))  # type: ignore[arg-type]
    assert chosen.site != 0 and not chosen.fallback


def test_fresco__nothing_feasible_falls_back_to_the_best_available_site() -> None:
    view = make_view(
        [SiteKind.EC, SiteKind.ER],
        arrivals=[0.0, 0.0, 0.0],
        up=[False, True, True],
        reputation=[500, 500, 500],
        task=TASK,
        deadline_left_s=1e-6,  # nobody can make it
    )
    decision = fresco().decide(view)
    assert decision.fallback
    cost = objective(view.estimate, view.parameters)
    assert decision.site == min([1, 2, 3], key=lambda s: cost[s])  # site 0 is down


def test_sq_edge__most_reputable_k_then_shortest_queue_never_the_cloud() -> None:
    arrivals = [1.0, 30.0, 30.0, 30.0, 30.0, 30.0, 2.0, 0.0]
    view = make_view(
        [SiteKind.ER] * 7,
        arrivals=arrivals,
        up=[True] * 8,
        reputation=[100, 900, 800, 700, 600, 500, 950, 1_000],
        task=TASK,
    )
    queues = view.estimate.stages
    waiting = mm1_wait_s(queues.exec_rho, queues.exec_bg_s) + mm1_wait_s(
        queues.uplink_rho, queues.uplink_bg_s
    )
    top = [6, 1, 2, 3, 4]  # the five best scores among the edge sites
    assert SqEdge().decide(view).site == min(top, key=lambda s: waiting[s]) == 6


def test_policy_iteration__matches_value_iteration_on_a_small_mdp() -> None:
    rng = np.random.default_rng(3)
    rewards, success = -rng.random((6, 6)), rng.uniform(0.2, 1.0, 6)
    policy = policy_iteration(rewards, success, 0.96)
    values = np.zeros(6)
    for _ in range(5_000):
        q = rewards + 0.96 * (success * values[None, :] + (1 - success) * values[:, None])
        values = q.max(axis=1)
    assert np.allclose(q[np.arange(6), policy], values, atol=1e-6)


@pytest.mark.parametrize("engine", [Mdp(), QLearning()], ids=lambda engine: engine.name)
def test_mdp_and_q_learning__prefer_a_reliable_site_over_a_slightly_better_flaky_one(
    engine: Mdp | QLearning,
) -> None:
    view = make_view(
        [SiteKind.EC, SiteKind.EC],
        arrivals=[0.0, 1.0, 0.0],
        up=[True, True, True],
        reputation=[500, 500, 500],
        task=TASK,
    )
    view.observed_up_share = np.array([0.05, 1.0, 1.0, 1.0])
    assert (
        objective(view.estimate, view.parameters)[0] < objective(view.estimate, view.parameters)[1]
    )
    assert engine.decide(view).site != 0


def optimal_values(rewards: np.ndarray, success: np.ndarray, discount: float) -> np.ndarray:
    """The offloading MDP's optimal values, by value iteration run to convergence."""
    values = np.zeros(len(success))
    for _ in range(5_000):
        values = (
            rewards + discount * (success * values[None, :] + (1 - success) * values[:, None])
        ).max(axis=1)
    return values


def policy_values(
    policy: np.ndarray, rewards: np.ndarray, success: np.ndarray, discount: float
) -> np.ndarray:
    """The exact values of following `policy` (a linear system)."""
    states = np.arange(len(success))
    p = success[policy]
    matrix = np.diag(1 - discount * (1 - p))
    matrix[states, policy] -= discount * p
    return np.linalg.solve(matrix, rewards[states, policy])


def small_offloading_mdp() -> tuple[np.ndarray, np.ndarray]:
    """Four sites as MDP sees them: the device (costly, always there), a cheap edge site that
    is up 30% of the time, a dearer one up 98%, the cloud (dearer still, up 99%)."""
    cost, success = np.array([0.9, 0.2, 0.35, 0.6]), np.array([1.0, 0.3, 0.98, 0.99])
    moved = 0.05 * (1 - np.eye(4))
    rewards = success[None, :] * (-cost[None, :] - moved) - (1 - success[None, :]) * 1.0
    return rewards, success


@pytest.mark.parametrize("seed", range(10))
def test_q_learning__finds_the_known_optimum_of_a_small_mdp(seed: int) -> None:
    """Learned from sampled moves only, it finds the optimal policy that policy iteration
    solves from the model: the reliable edge site, from every state."""
    rewards, success = small_offloading_mdp()
    best = policy_iteration(rewards, success, 0.96)
    assert best.tolist() == [2, 2, 2, 2]
    assert np.allclose(
        policy_values(best, rewards, success, 0.96), optimal_values(rewards, success, 0.96)
    )
    learned = q_learning(rewards, success, 0.96, np.random.default_rng(seed))
    assert learned.tolist() == best.tolist()


def test_q_learning__on_random_mdps_comes_close_to_the_optimum() -> None:
    """Sampled learning is approximate where actions are close: on 20 random 5-site MDPs (all
    rewards negative) its policy loses at most 15% more than the optimal one, in every state
    (measured with the default sweeps: 6.5% at worst)."""
    for seed in range(20):
        model = np.random.default_rng(seed)
        rewards, success = -model.random((5, 5)), model.uniform(0.2, 1.0, 5)
        learned = q_learning(rewards, success, 0.96, np.random.default_rng(seed))
        best = optimal_values(rewards, success, 0.96)
        assert np.all(policy_values(learned, rewards, success, 0.96) >= best * 1.15), seed


def test_q_learning__the_same_seed_gives_the_same_choices() -> None:
    model = np.random.default_rng(11)
    rewards, success = -model.random((8, 8)), model.uniform(0.2, 1.0, 8)
    runs = [q_learning(rewards, success, 0.96, np.random.default_rng(4)) for _ in range(2)]
    assert np.array_equal(*runs)


@settings(max_examples=60, deadline=None)
@given(view=views())
def test_q_learning__chooses_a_candidate_and_keeps_a_task_that_cannot_leave(
    view: DecisionView,
) -> None:
    site = QLearning().decide(view).site
    assert site in view.candidates
    if not view.task.offloadable:
        assert view.kind[int(np.flatnonzero(view.candidates == site)[0])] == SiteKind.MOBILE


@pytest.mark.parametrize("policy", list(dmec.Policy))
def test_dmec_adapters__the_registrys_choice_among_the_cells_servers(policy: dmec.Policy) -> None:
    view = make_view(
        [SiteKind.ER, SiteKind.EC, SiteKind.ED],
        arrivals=[5.0] * 4,
        up=[False] * 4,  # the DMEC policies do not know availability
        reputation=[500] * 4,
        task=TASK,
        seed=11,
    )
    decision = DmecAdapter(policy).decide(view)
    assert decision.site in (0, 1, 2, 3)  # a server, never the device
    if policy is dmec.Policy.MCC:
        assert decision.site == 3  # the cloud has the most capacity
    if policy is dmec.Policy.NEAREST:
        assert decision.site == 0  # the device stands at x = 0
    local_task = Task("L", 100, 4, 4, 1, offloadable=False)
    view.task = local_task
    assert DmecAdapter(policy).decide(view).site == 4


def test_decision_time_sweep__stops_mdp_and_q_learning_at_their_limits() -> None:
    from dataclasses import replace

    from edgeledger.replays.fresco.settings import FrescoReplayConfig, Inputs
    from edgeledger.replays.fresco.sweeps import decision_time_sweep

    config = replace(
        FrescoReplayConfig(),
        engines=("MDP", "Q-learning"),
        sweep_sites=(10, 15, 20),
        sweep_decisions=2,
        mdp_sweep_limit=15,
        q_learning_sweep_limit=10,
    )
    rows = decision_time_sweep(config, Inputs.load(config))
    sizes = {
        engine: [row["sites"] for row in rows if row["engine"] == engine]
        for engine in config.engines
    }
    assert sizes == {"MDP": [10, 15], "Q-learning": [10]}
