"""FRESCO's models (Section III): three M/M/1 stages per offloaded task (offloading over the
uplink, execution, delivery over the downlink) with Shannon-rate links, the device's energy,
and the price of remote resources. Vectorised over sites: one call estimates a task on every
candidate at once.

Choices where the paper gives no number (README "FRESCO models"): a site executes a task at its
whole capacity (cores x clock, in M cycles/s); background work arrives as Poisson tasks
(rate `arrival_per_s`, sizes exponential with rate `size_rate`, in units of
`background_mcycles` and `background_kb`); the noise density is an effective one that folds in
path loss, so a 20 MHz edge link gives about 20 dB SNR.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edgeledger.fresco.applications import Task
from edgeledger.fresco.sites import EDGE_KINDS, Infrastructure, SiteKind

MAX_UTILIZATION = 0.99  # an overloaded queue is treated as nearly saturated, not infinite


@dataclass(frozen=True)
class ModelParameters:
    uplink_power_w: float = 1.3  # their code's figures
    downlink_power_w: float = 1.0
    compute_power_w: float = 0.9
    idle_power_w: float = 0.3
    battery_j: float = 1_000.0
    noise_w_per_hz: float = 6.5e-10
    background_mcycles: float = 150.0  # M cycles per unit of background task size
    background_kb: float = 40.0  # KB per unit of background task size
    cpu_price_per_core_h: float = 0.776
    storage_price_per_gb_h: float = 0.023
    edge_premium: float = 0.5  # edge price = cloud price x (1 + premium)
    # FRESCO's decision (Table VII): the objective's weights on response time, energy and
    # price, and k, the rank of the reputation threshold (`--sensitivity` sweeps them).
    alpha: float = 0.5
    beta: float = 0.4
    gamma: float = 0.1
    reputation_rank: int = 5
    # Where the FRESCO authors' code (ea366c3) reads the paper otherwise, one switch each: the
    # paper's reading by default; `--model authors` turns every one on (README "Two models").
    uniform_task_sizes: bool = False  # every task U(0.5, 1) M cycles and KB (util.py generate_*)
    authors_queues: bool = False  # their execution queue at every site, the device too (below)
    downlink: bool = True  # off: no delivery stage (their del_lat is commented out)
    edge_round_trip: bool = True  # off: no network latency to edge sites (topology never read)
    drawn_cloud_latency: bool = False  # a cloud task pays 15 + N(200, 33.5) ms (Util.get_lat)
    ready_batches: bool = False  # an application's time: the sum of each ready batch's slowest
    edge_constraint_everywhere: bool = False  # FRESCO/MINLP: the edge constraint, whole deadline
    checked_at_dispatch: bool = False  # a site up when a task is sent does not fail during it
    device_after_failure: bool = False  # after a failed attempt the task runs on the device
    known_availability: bool = False  # engines know each site's up share over its whole trace
    sigmoid_mdp_reward: bool = False  # MDP: 0.34 s(rt) + 0.33 s(ec) + 0.33 s(pr), s(x) = 1/(1+e^x)


@dataclass(frozen=True)
class Load:
    """Background work on every site: Poisson arrivals and exponential sizes (per site)."""

    arrival_per_s: np.ndarray
    size_rate: np.ndarray

    @classmethod
    def draw(cls, infrastructure: Infrastructure, rng: np.random.Generator) -> Load:
        """λ in [10, 20] tasks/s and size rate in [0.5, 1] (Table VII), for every site; the
        device's own is read only under `authors_queues` (`stages`)."""
        return cls(
            rng.uniform(10, 20, infrastructure.size), rng.uniform(0.5, 1.0, infrastructure.size)
        )


def shannon_rate_bps(bandwidth_hz: np.ndarray, power_w: float, noise_w_per_hz: float) -> np.ndarray:
    """Channel capacity B log2(1 + P / (N0 B)); 0 where there is no link."""
    bandwidth = np.asarray(bandwidth_hz, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = bandwidth * np.log2(1 + power_w / (noise_w_per_hz * bandwidth))
    return np.where(bandwidth > 0, rate, 0.0)


def link_rate_bps(
    sites: np.ndarray, infrastructure: Infrastructure, parameters: ModelParameters
) -> np.ndarray:
    """The Shannon rate of each site's link (0 for the device itself)."""
    bandwidth = infrastructure.column("bandwidth_mhz")[sites] * 1e6
    return shannon_rate_bps(bandwidth, parameters.uplink_power_w, parameters.noise_w_per_hz)


# The authors' execution queue (edge_queue.py, off-sites.json): a task joins the background
# tasks that arrived since the last one, Poisson(λ) of them with sizes exponential (mean
# 1/size_rate MI), at a uniformly random place among them, and waits for those ahead and for
# the work left behind the previous task, at the site's speed in MIPS (one core; their table,
# the device included). Their queues carry that leftover from task to task; a site that did
# not run the last batch works some of it off in between (workload_update), which this
# steady-state draw leaves out: it is the wait of a site used twice in a row.
AUTHORS_MIPS = np.array([2_800.0, 3_200.0, 2_100.0, 2_400.0, 1_000.0])  # by SiteKind


def sample_batch_wait_s(
    arrivals: float, size_rate: float, mips: float, rng: np.random.Generator
) -> float:
    """One wait in the authors' queue: the tasks behind the previous one plus those ahead
    in this one (its mean is arrivals / size_rate / mips)."""
    before = int(rng.poisson(arrivals))
    behind = before - int(rng.integers(0, before + 1))
    ahead = int(rng.integers(0, int(rng.poisson(arrivals)) + 1))
    tasks = behind + ahead
    return float(rng.gamma(tasks, 1 / size_rate)) / mips if tasks else 0.0


def mm1_wait_s(utilization: np.ndarray, mean_service_s: np.ndarray) -> np.ndarray:
    """Mean time in an M/M/1 queue before service: ρ/(1 − ρ) · mean service time."""
    rho = np.clip(utilization, 0.0, MAX_UTILIZATION)
    return rho / (1 - rho) * mean_service_s


def sample_wait_s(utilization: float, mean_service_s: float, rng: np.random.Generator) -> float:
    """One M/M/1 waiting time: none with probability 1 − ρ, else exponential with mean
    S/(1 − ρ)."""
    rho = min(max(utilization, 0.0), MAX_UTILIZATION)
    if rng.random() >= rho:
        return 0.0
    return float(rng.exponential(mean_service_s / (1 - rho)))


@dataclass(frozen=True)
class Stages:
    """Per site: the utilisation and mean background service time of each queue, the task's
    own service times, and propagation. Waits are random; `expected` uses their means."""

    uplink_rho: np.ndarray
    uplink_bg_s: np.ndarray
    uplink_s: np.ndarray
    exec_rho: np.ndarray
    exec_bg_s: np.ndarray
    exec_s: np.ndarray
    downlink_rho: np.ndarray
    downlink_bg_s: np.ndarray
    downlink_s: np.ndarray
    propagation_s: np.ndarray
    local: np.ndarray  # True for the mobile device (no network stages)
    batch_wait_s: np.ndarray  # mean wait in the authors' queue (0 unless authors_queues)

    def expected(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean (offloading, execution, delivery) latency per site."""
        up = mm1_wait_s(self.uplink_rho, self.uplink_bg_s) + self.uplink_s
        execution = mm1_wait_s(self.exec_rho, self.exec_bg_s) + self.batch_wait_s + self.exec_s
        down = mm1_wait_s(self.downlink_rho, self.downlink_bg_s) + self.downlink_s
        half = self.propagation_s / 2
        return np.where(self.local, 0, up + half), execution, np.where(self.local, 0, down + half)


def stages(
    task: Task,
    sites: np.ndarray,
    infrastructure: Infrastructure,
    load: Load,
    parameters: ModelParameters,
) -> Stages:
    """The three queues of `task` on each of `sites` (indices into the infrastructure); under
    `authors_queues`, the authors' execution queue instead (`batch_wait_s`) and no waits on
    the links (theirs hold a few KB against MB/s: under 0.3 ms)."""
    kind = infrastructure.kind[sites]
    capacity = infrastructure.capacity_mcps()[sites]
    rate = link_rate_bps(sites, infrastructure, parameters)
    safe_rate = np.where(rate > 0, rate, 1.0)
    arrivals, size_mean = load.arrival_per_s[sites], 1.0 / load.size_rate[sites]
    if parameters.authors_queues:  # their queue replaces the M/M/1 ones, on every site
        capacity = AUTHORS_MIPS[kind]
        batch_wait_s = arrivals * size_mean / capacity
        arrivals = np.zeros(len(sites))
    else:  # the device carries only its own application
        batch_wait_s = np.zeros(len(sites))
        arrivals = np.where(kind == SiteKind.MOBILE, 0.0, arrivals)
    bg_bits = size_mean * parameters.background_kb * 8_000
    bg_mcycles = size_mean * parameters.background_mcycles
    link_rho = arrivals * bg_bits / safe_rate
    return Stages(
        batch_wait_s=batch_wait_s,
        uplink_rho=link_rho,
        uplink_bg_s=bg_bits / safe_rate,
        uplink_s=task.input_kb * 8_000 / safe_rate,
        exec_rho=arrivals * bg_mcycles / capacity,
        exec_bg_s=bg_mcycles / capacity,
        exec_s=task.mcycles / capacity,
        downlink_rho=link_rho * parameters.downlink,  # no delivery stage: no wait and no time
        downlink_bg_s=bg_bits / safe_rate,
        downlink_s=task.output_kb * 8_000 / safe_rate * parameters.downlink,
        propagation_s=round_trip_s(sites, infrastructure, parameters),
        local=kind == SiteKind.MOBILE,
    )


# The authors' latency to the cloud (Util.get_lat): 15 ms plus N(200, 33.5) ms, drawn per task.
CLOUD_LATENCY_S, CLOUD_LATENCY_MEAN_S, CLOUD_LATENCY_SD_S = 0.015, 0.200, 0.0335


def round_trip_s(
    sites: np.ndarray, infrastructure: Infrastructure, parameters: ModelParameters
) -> np.ndarray:
    """The expected network round trip to each site, as the model reads it."""
    kind = infrastructure.kind[sites]
    trip = infrastructure.column("round_trip_s")[sites]
    if not parameters.edge_round_trip:
        trip = np.where(np.isin(kind, EDGE_KINDS), 0.0, trip)
    if parameters.drawn_cloud_latency:
        trip = np.where(kind == SiteKind.CLOUD, CLOUD_LATENCY_S + CLOUD_LATENCY_MEAN_S, trip)
    return trip


def drawn_round_trip_s(
    expected_s: float,
    site: int,
    previous_site: int,
    infrastructure: Infrastructure,
    parameters: ModelParameters,
    rng: np.random.Generator,
) -> float:
    """One attempt's round trip: `expected_s` (`round_trip_s`), or under `drawn_cloud_latency`
    a draw of the authors' 15 + N(200, 33.5) ms (never below 0) to the cloud, and from it: their
    code charges it too when the task before ran in the cloud (OffloadingSite.act_lat)."""
    via_cloud = SiteKind.CLOUD in (infrastructure.kind[site], infrastructure.kind[previous_site])
    if parameters.drawn_cloud_latency and via_cloud:
        drawn = float(rng.normal(CLOUD_LATENCY_MEAN_S, CLOUD_LATENCY_SD_S))
        return max(0.0, CLOUD_LATENCY_S + drawn)
    return expected_s


def device_energy_j(
    up_s: np.ndarray,
    exec_s: np.ndarray,
    down_s: np.ndarray,
    local: np.ndarray,
    parameters: ModelParameters,
) -> np.ndarray:
    """Energy the device spends: computing locally, or sending, idling while the site works,
    and receiving (transmission energy = power x time)."""
    remote = (
        parameters.uplink_power_w * up_s
        + parameters.idle_power_w * exec_s
        + parameters.downlink_power_w * down_s
    )
    return np.where(local, parameters.compute_power_w * exec_s, remote)


def price(
    exec_s: np.ndarray,
    kind: np.ndarray,
    cores: np.ndarray,
    storage_gb: float,
    parameters: ModelParameters,
) -> np.ndarray:
    """Local: free. Cloud: (cores c_cpu + storage c_storage) x time. Edge: the cloud price plus
    the edge premium."""
    hours = exec_s / 3_600
    cloud = (
        cores * parameters.cpu_price_per_core_h + storage_gb * parameters.storage_price_per_gb_h
    ) * hours
    edge = np.isin(kind, [SiteKind.ED, SiteKind.EC, SiteKind.ER])
    return np.where(
        kind == SiteKind.MOBILE, 0.0, np.where(edge, cloud * (1 + parameters.edge_premium), cloud)
    )


@dataclass(frozen=True)
class Estimate:
    """What a decision engine knows of a task on each candidate: expected latencies, the
    device's energy, the price, and the resources left."""

    sites: np.ndarray
    up_s: np.ndarray
    exec_s: np.ndarray
    down_s: np.ndarray
    energy_j: np.ndarray
    price: np.ndarray
    free_cores: np.ndarray
    free_ram_gb: np.ndarray
    free_storage_gb: np.ndarray
    stages: Stages

    @property
    def response_s(self) -> np.ndarray:
        return self.up_s + self.exec_s + self.down_s


def estimate(
    task: Task,
    sites: np.ndarray,
    infrastructure: Infrastructure,
    load: Load,
    used_storage_gb: np.ndarray,
    parameters: ModelParameters,
) -> Estimate:
    """Everything the engines weigh for `task` on `sites`, in one vectorised pass."""
    queues = stages(task, sites, infrastructure, load, parameters)
    up, execution, down = queues.expected()
    kind = infrastructure.kind[sites]
    cores = infrastructure.column("cores")[sites]
    busy = np.clip(queues.exec_rho, 0.0, 1.0)
    return Estimate(
        sites=sites,
        up_s=up,
        exec_s=execution,
        down_s=down,
        energy_j=device_energy_j(up, execution, down, queues.local, parameters),
        price=price(execution, kind, cores, task.storage_gb, parameters),
        free_cores=cores * (1 - busy),
        free_ram_gb=infrastructure.column("ram_gb")[sites] * (1 - busy),
        free_storage_gb=infrastructure.column("storage_gb")[sites] - used_storage_gb[sites],
        stages=queues,
    )
