"""Offloading decision engines behind one interface: FRESCO (Z3), MINLP (the same model without
reputation), SQ EDGE, MDP, Q-learning (MDP's model learned from sampled moves, as the FRESCO
authors' later code added beside it), and the four DMEC policies as adapters.

An engine sees a `DecisionView` of one task (the candidates of the device's cell, what the
device knows of them) and returns a site. Engines only read local state: scores come from the
reputation client's local copy, so no decision waits for a block.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import numpy as np

from edgeledger.dmec import policies as dmec
from edgeledger.fresco.applications import Task
from edgeledger.fresco.models import (
    Estimate,
    Load,
    ModelParameters,
    estimate,
    link_rate_bps,
    mm1_wait_s,
)
from edgeledger.fresco.reputation import kth_highest
from edgeledger.fresco.sites import Infrastructure, SiteKind
from edgeledger.fresco.smt import SmtChooser

SQ_EDGE_TOP = 5  # SQ EDGE's shortlist: the most reputable edge sites
SHORTLIST = 8  # feasible sites Z3 chooses among (the best by objective after the numpy filter)
MDP_DISCOUNT = 0.96
MDP_MOVE = 0.05  # leaving the last task's site: its data moves along
# Q-learning: sweeps over every (state, action) pair, each with one sampled move; the step size
# of a pair's n-th update is n^-Q_STEP_DECAY (in (0.5, 1]: the stochastic-approximation
# conditions under which tabular Q-learning converges to the optimal values).
Q_SWEEPS, Q_STEP_DECAY = 400, 0.6
NO_ACCOUNT = "0x" + "00" * 20  # a policy reference never reads the account


@dataclass
class DecisionView:
    """One task's decision: the candidates (site indices) and what the device knows of them."""

    task: Task
    candidates: np.ndarray
    infrastructure: Infrastructure
    load: Load
    used_storage_gb: np.ndarray  # per site of the infrastructure
    parameters: ModelParameters
    time_constraint_s: np.ndarray  # per candidate (the application's, by site group)
    deadline_left_s: float
    battery_left_j: float
    up_now: np.ndarray  # per candidate
    reputation: np.ndarray  # per candidate; the device itself counts as fully trusted
    observed_up_share: np.ndarray  # per candidate, from what the device has seen so far
    previous_site: int
    device_xy_km: tuple[float, float]
    rng: np.random.Generator

    @cached_property
    def estimate(self) -> Estimate:
        return estimate(
            self.task,
            self.candidates,
            self.infrastructure,
            self.load,
            self.used_storage_gb,
            self.parameters,
        )

    @property
    def kind(self) -> np.ndarray:
        return self.infrastructure.kind[self.candidates]


@dataclass(frozen=True)
class Decision:
    site: int
    fallback: bool = False  # FRESCO/MINLP: no candidate satisfied the model


class Engine(Protocol):
    @property
    def name(self) -> str: ...

    def decide(self, view: DecisionView) -> Decision: ...


# ---------------------------------------------------------------- the model FRESCO solves


def objective(est: Estimate, parameters: ModelParameters) -> np.ndarray:
    """α|rt − rt*| + β|ec − ec*| + γ|pr − pr*| with * the best value among the candidates.
    Each distance is divided by the candidates' spread of that quantity, so that seconds,
    joules and money weigh as α, β, γ say (this project's choice; the paper leaves units open)."""
    total = np.zeros(len(est.sites))
    weighted = (
        (parameters.alpha, est.response_s),
        (parameters.beta, est.energy_j),
        (parameters.gamma, est.price),
    )
    for weight, values in weighted:
        spread = float(values.max() - values.min())
        if spread > 0:
            total += weight * (values - values.min()) / spread
    return total


def reputation_threshold(view: DecisionView) -> int:
    """The k-th highest score among the remote candidates (the device is not a node)."""
    remote = view.kind != SiteKind.MOBILE
    return kth_highest(view.reputation[remote].tolist(), view.parameters.reputation_rank)


def constraint_table(view: DecisionView, threshold: int | None) -> dict[str, np.ndarray]:
    """Every constraint of the model, per candidate (True = satisfied); with a reputation
    `threshold`, also the score constraint (None: MINLP, no reputation)."""
    est, task = view.estimate, view.task
    response = est.response_s
    local = view.kind == SiteKind.MOBILE
    table = {
        "available": view.up_now,
        "time_constraint": response <= view.time_constraint_s,
        "deadline": response <= view.deadline_left_s,
        "battery": est.energy_j < view.battery_left_j,
        "cpu": est.free_cores >= 1,
        "memory": est.free_ram_gb >= task.ram_gb,
        "storage": est.free_storage_gb >= task.storage_gb,
        "offloadable": local | task.offloadable,
    }
    if threshold is not None:
        table["reputation"] = local | (view.reputation >= threshold)
    return table


@dataclass
class SmtEngine:
    """FRESCO (with the reputation constraint) or MINLP (without): numpy filters what
    violates the model, Z3 chooses among the best SHORTLIST survivors; unsatisfiable: the
    available site with the best objective (Algorithm 1's fallback)."""

    name: str
    use_reputation: bool
    chooser: SmtChooser = field(default_factory=SmtChooser)

    def decide(self, view: DecisionView) -> Decision:
        cost = objective(view.estimate, view.parameters)
        threshold = reputation_threshold(view) if self.use_reputation else None
        table = constraint_table(view, threshold)
        feasible = np.logical_and.reduce(list(table.values()))
        survivors = np.flatnonzero(feasible)
        if len(survivors):
            shortlist = survivors[np.argsort(cost[survivors], kind="stable")[:SHORTLIST]]
            chosen = self.chooser.choose(view, shortlist, cost, threshold)
            if chosen is not None:
                return Decision(int(view.candidates[chosen]))
        usable = np.flatnonzero(view.up_now & table["offloadable"])
        if not len(usable):
            return Decision(view.infrastructure.mobile, fallback=True)
        best = usable[np.argmin(cost[usable])]
        return Decision(int(view.candidates[best]), fallback=True)


def fresco() -> SmtEngine:
    return SmtEngine("FRESCO", use_reputation=True)


def minlp() -> SmtEngine:
    return SmtEngine("MINLP", use_reputation=False)


# ---------------------------------------------------------------- baselines


@dataclass
class SqEdge:
    """SQ EDGE: the SQ_EDGE_TOP most reputable edge sites, then the shortest queue waiting
    time; local and edge only. It knows reputation, not whether a site is up now."""

    name: str = "SQ EDGE"

    def decide(self, view: DecisionView) -> Decision:
        edge = np.flatnonzero(np.isin(view.kind, [SiteKind.ED, SiteKind.EC, SiteKind.ER]))
        if not view.task.offloadable or not len(edge):
            return Decision(view.infrastructure.mobile)
        top = edge[np.argsort(-view.reputation[edge], kind="stable")[:SQ_EDGE_TOP]]
        queues = view.estimate.stages
        waiting = (
            mm1_wait_s(queues.exec_rho[top], queues.exec_bg_s[top])
            + mm1_wait_s(queues.uplink_rho[top], queues.uplink_bg_s[top])
            + queues.batch_wait_s[top]
        )
        return Decision(int(view.candidates[top[np.argmin(waiting)]]))


def policy_iteration(
    rewards: np.ndarray, success: np.ndarray, discount: float, max_iterations: int = 100
) -> np.ndarray:
    """Policy iteration for the offloading MDP: states are sites (where the last task ran);
    action a moves to site a with probability success[a] and stays put otherwise; rewards[s, a]
    is the expected reward of a in s. Returns the best action per state."""
    n = len(success)
    states = np.arange(n)
    policy = np.argmax(rewards, axis=1)
    for _ in range(max_iterations):
        # Evaluate: V = r_π + γ (p_π V[π] + (1 − p_π) V)
        p = success[policy]
        matrix = np.diag(1 - discount * (1 - p))
        matrix[states, policy] -= discount * p
        values = np.linalg.solve(matrix, rewards[states, policy])
        # Improve: Q(s, a) = r(s, a) + γ (p_a V[a] + (1 − p_a) V[s])
        q = rewards + discount * (
            success[None, :] * values[None, :] + (1 - success[None, :]) * values[:, None]
        )
        improved = np.argmax(q, axis=1)
        keep = q[states, policy] >= q[states, improved] - 1e-12
        improved[keep] = policy[keep]
        if np.array_equal(improved, policy):
            break
        policy = improved
    return policy


@dataclass
class Mdp:
    """MDP: sites are states, observed availability the transition probabilities, the
    objective the (negative) reward; policy iteration with discount 0.96.

    Reward of offloading to a from s: −objective(a), minus MDP_MOVE when the task leaves the
    site the last one ran on, if a is up; the worst objective (α + β + γ) if it is not.
    Under `sigmoid_mdp_reward` (the authors' code): their sigmoid reward of a if it is up, of
    the device (where their failed task runs) if not."""

    name: str = "MDP"

    def decide(self, view: DecisionView) -> Decision:
        rewards, success, state = offloading_mdp(view)
        policy = policy_iteration(rewards, success, MDP_DISCOUNT)
        return Decision(int(view.candidates[policy[state]]))


def offloading_mdp(view: DecisionView) -> tuple[np.ndarray, np.ndarray, int]:
    """MDP's model of a decision: the expected reward of each (state, action), each action's
    probability of success (the site's observed availability), and the current state (the
    site the last task ran on, or the device)."""
    n = len(view.candidates)
    allowed = (view.kind == SiteKind.MOBILE) | view.task.offloadable
    p = view.observed_up_share
    if view.parameters.sigmoid_mdp_reward:
        reward = sigmoid_reward(view.estimate)
        device = reward[view.kind == SiteKind.MOBILE].max()  # a failed task runs there
        rewards = np.tile(p * reward + (1 - p) * device, (n, 1))
    else:
        weights = view.parameters
        cost = objective(view.estimate, weights)
        moved = MDP_MOVE * (1 - np.eye(n))
        failure = weights.alpha + weights.beta + weights.gamma  # as the worst site
        rewards = p[None, :] * (-cost[None, :] - moved) - (1 - p[None, :]) * failure
    rewards[:, ~allowed] = -10.0  # a task that must stay never leaves
    where = np.flatnonzero(view.candidates == view.previous_site)
    state = int(where[0]) if len(where) else int(np.flatnonzero(view.kind == SiteKind.MOBILE)[0])
    return rewards, p, state


def sigmoid_reward(est: Estimate) -> np.ndarray:
    """The FRESCO authors' MDP reward (models.py overall_task_rwd): 0.34 s(rt) + 0.33 s(ec) +
    0.33 s(pr) on raw seconds, joules and money, s(x) = 1/(1+e^x), and s(0) counted as 0 (a
    free local task earns nothing for its price)."""

    def s(x: np.ndarray) -> np.ndarray:
        return np.where(x == 0, 0.0, 1 / (1 + np.exp(x)))

    return 0.34 * s(est.response_s) + 0.33 * s(est.energy_j) + 0.33 * s(est.price)


class QLearning:
    """Q-learning on MDP's model: the same states, actions and rewards, but the values are
    learned from sampled moves (an action succeeds with the site's observed availability,
    drawn from the view's seeded generator) instead of solved from the transition
    probabilities. Synchronous tabular Q-learning: every sweep updates each (state, action)
    once, from one sampled next state."""

    name: str = "Q-learning"

    def decide(self, view: DecisionView) -> Decision:
        rewards, success, state = offloading_mdp(view)
        policy = q_learning(rewards, success, MDP_DISCOUNT, view.rng)
        return Decision(int(view.candidates[policy[state]]))


def q_learning(
    rewards: np.ndarray,
    success: np.ndarray,
    discount: float,
    rng: np.random.Generator,
    sweeps: int = Q_SWEEPS,
) -> np.ndarray:
    """The greedy policy of Q-values learned on the offloading MDP (see `policy_iteration`):
    in state s, action a moves to a with probability success[a] and stays in s otherwise."""
    n = len(success)
    states = np.arange(n)[:, None]
    q = np.zeros((n, n))
    for sweep in range(1, sweeps + 1):
        moved = rng.random((n, n)) < success[None, :]
        following = np.where(moved, np.arange(n)[None, :], states)
        target = rewards + discount * q.max(axis=1)[following]
        q += sweep**-Q_STEP_DECAY * (target - q)
    return np.argmax(q, axis=1)


@dataclass
class DmecAdapter:
    """A DMEC policy choosing among the cell's servers (edge sites and the cloud), with the
    registry's integer arithmetic (edgeledger.dmec.policies). It knows positions and
    capacities only; a task that cannot leave the device runs locally."""

    policy: dmec.Policy

    @property
    def name(self) -> str:
        return self.policy.label

    def decide(self, view: DecisionView) -> Decision:
        servers_at = np.flatnonzero(view.kind != SiteKind.MOBILE)
        if not view.task.offloadable or not len(servers_at):
            return Decision(view.infrastructure.mobile)
        infra, sites = view.infrastructure, view.candidates[servers_at]
        capacity = infra.capacity_mcps()[sites]
        servers = [
            dmec.Server(NO_ACCOUNT, int(infra.x_km[s] * 1000), int(infra.y_km[s] * 1000), int(c))
            for s, c in zip(sites, capacity, strict=True)
        ]
        task = dmec.TaskPlacement(
            task_id=int(view.rng.integers(2**32)),
            data_kb=max(1, int(view.task.input_kb)),
            compute_megacycles=max(1, int(view.task.mcycles)),
            drone_x_m=int(view.device_xy_km[0] * 1000),
            drone_y_m=int(view.device_xy_km[1] * 1000),
        )
        # The registry's mean link rate; positions and capacities are all a policy needs, so
        # no queue estimate is computed.
        rate_bps = link_rate_bps(sites, infra, view.parameters)
        mean_rate_kb_per_s = max(1, int(np.mean(rate_bps) / 8_000))
        index = dmec.select(
            self.policy,
            servers,
            task,
            mean_rate_kb_per_s=mean_rate_kb_per_s,
            prevrandao=int(view.rng.integers(2**63)),
        )
        return Decision(int(sites[index]))


def all_engines() -> list[Engine]:
    """Every engine of the replay, in report order."""
    engines: list[Engine] = [fresco(), minlp(), SqEdge(), Mdp(), QLearning()]
    return engines + [DmecAdapter(policy) for policy in dmec.Policy]


ENGINE_NAMES = (
    "FRESCO",
    "MINLP",
    "SQ EDGE",
    "MDP",
    "Q-learning",
    *(policy.label for policy in dmec.Policy),
)
# The engines a replay runs unless told (`--engines`): the papers' own. Q-learning comes from
# the FRESCO authors' later code; it runs when named.
DEFAULT_ENGINES = tuple(name for name in ENGINE_NAMES if name != "Q-learning")


def timed_decide(engine: Engine, view: DecisionView) -> tuple[Decision, float]:
    """The decision and its wall time in seconds (models, filter and solver included)."""
    start = time.perf_counter()
    decision = engine.decide(view)
    return decision, time.perf_counter() - start
