"""FRESCO's models against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from edgeledger.fresco.applications import Task
from edgeledger.fresco.models import (
    Load,
    ModelParameters,
    device_energy_j,
    estimate,
    mm1_wait_s,
    price,
    sample_wait_s,
    shannon_rate_bps,
    stages,
)
from edgeledger.fresco.sites import SITE_CLASSES, Infrastructure, SiteKind

PARAMETERS = ModelParameters()


def one_of_each() -> Infrastructure:
    """ED, EC, ER in cell 0, then the cloud and the device."""
    kinds = [SiteKind.ED, SiteKind.EC, SiteKind.ER, SiteKind.CLOUD, SiteKind.MOBILE]
    return Infrastructure(
        kind=np.array(kinds, dtype=int),
        cell=np.array([0, 0, 0, -1, -1]),
        x_km=np.zeros(5),
        y_km=np.zeros(5),
        cells=1,
    )


def test_shannon_rate__twenty_db_at_twenty_mhz() -> None:
    # SNR = 1.3 / (6.5e-10 * 2e7) = 100, so C = 2e7 * log2(101).
    rate = shannon_rate_bps(np.array([20e6, 0.0]), 1.3, 6.5e-10)
    assert rate[0] == pytest.approx(2e7 * math.log2(101))
    assert rate[1] == 0.0  # no link, no rate


@pytest.mark.parametrize(
    ("rho", "service_s", "wait_s"), [(0.0, 0.01, 0.0), (0.5, 0.01, 0.01), (0.75, 0.02, 0.06)]
)
def test_mm1_wait__rho_over_one_minus_rho_service_times(
    rho: float, service_s: float, wait_s: float
) -> None:
    assert mm1_wait_s(np.array([rho]), np.array([service_s]))[0] == pytest.approx(wait_s)


def test_mm1_wait__an_overloaded_queue_is_capped_not_infinite() -> None:
    assert mm1_wait_s(np.array([3.0]), np.array([0.01]))[0] == pytest.approx(0.99 / 0.01 * 0.01)


def test_sample_wait__empty_queue_never_waits_and_the_mean_matches_mm1() -> None:
    rng = np.random.default_rng(1)
    assert all(sample_wait_s(0.0, 0.05, rng) == 0.0 for _ in range(100))
    samples = [sample_wait_s(0.6, 0.01, rng) for _ in range(40_000)]
    assert np.mean(samples) == pytest.approx(0.6 / 0.4 * 0.01, rel=0.05)
    assert np.mean(np.array(samples) == 0) == pytest.approx(0.4, abs=0.02)


def test_device_energy__transmission_idle_and_local_compute() -> None:
    energy = device_energy_j(
        np.array([0.01, 0.0]),
        np.array([0.02, 0.1]),
        np.array([0.01, 0.0]),
        np.array([False, True]),
        PARAMETERS,
    )
    # Remote: 1.3 W x 10 ms + 0.3 W x 20 ms + 1.0 W x 10 ms; local: 0.9 W x 100 ms.
    assert energy == pytest.approx([0.029, 0.09])


def test_price__local_free_cloud_by_cores_and_storage_edge_with_premium() -> None:
    kind = np.array([SiteKind.MOBILE, SiteKind.CLOUD, SiteKind.EC])
    cores = np.array([2, 64, 16])
    costs = price(np.array([3.6, 3.6, 3.6]), kind, cores, 0.5, PARAMETERS)
    hour = 0.001
    assert costs[0] == 0.0
    assert costs[1] == pytest.approx((64 * 0.776 + 0.5 * 0.023) * hour)
    assert costs[2] == pytest.approx((16 * 0.776 + 0.5 * 0.023) * hour * 1.5)


def test_stages__queues_of_a_task_on_an_ec_site_and_on_the_device() -> None:
    infrastructure = one_of_each()
    load = Load(arrival_per_s=np.array([10.0, 10.0, 10.0, 10.0, 0.0]), size_rate=np.ones(5))
    task = Task("T", mcycles=448.0, input_kb=10.0, output_kb=5.0, ram_gb=1, offloadable=True)
    queues = stages(task, np.array([1, 4]), infrastructure, load, PARAMETERS)
    ec = SITE_CLASSES[SiteKind.EC]
    capacity = ec.cores * ec.cpu_mhz  # 44,800 M cycles/s
    rate = 2e7 * math.log2(101)
    assert queues.exec_s[0] == pytest.approx(448 / capacity)  # 10 ms
    assert queues.exec_rho[0] == pytest.approx(10 * 150 / capacity)
    assert queues.uplink_s[0] == pytest.approx(10 * 8_000 / rate)
    assert queues.downlink_s[0] == pytest.approx(5 * 8_000 / rate)
    assert queues.uplink_rho[0] == pytest.approx(10 * 40 * 8_000 / rate)
    assert queues.propagation_s[0] == ec.round_trip_s
    # The device: no network, no background work, its own 2 x 1.8 GHz.
    assert queues.local.tolist() == [False, True]
    assert queues.exec_rho[1] == 0.0
    assert queues.exec_s[1] == pytest.approx(448 / 3_600)
    up, execution, down = queues.expected()
    assert (up[1], down[1]) == (0.0, 0.0)
    assert execution[1] == pytest.approx(448 / 3_600)


def test_estimate__free_resources_and_response_add_up() -> None:
    infrastructure = one_of_each()
    load = Load(arrival_per_s=np.array([20.0, 20.0, 20.0, 20.0, 0.0]), size_rate=np.ones(5))
    task = Task("T", mcycles=600.0, input_kb=6.0, output_kb=6.0, ram_gb=2, offloadable=True)
    used = np.array([0.0, 0.0, 100.0, 0.0, 0.0])
    est = estimate(task, np.arange(5), infrastructure, load, used, PARAMETERS)
    assert est.response_s == pytest.approx(est.up_s + est.exec_s + est.down_s)
    er_rho = 20 * 150 / (4 * 1_800)
    assert est.free_cores[2] == pytest.approx(4 * (1 - er_rho))
    assert est.free_ram_gb[2] == pytest.approx(8 * (1 - er_rho))
    assert est.free_storage_gb[2] == pytest.approx(150 - 100)
    assert est.price[4] == 0.0 and est.energy_j[4] == pytest.approx(0.9 * 600 / 3_600)
