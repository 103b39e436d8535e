"""The four DMEC offloading policies: their on-chain ids and a Python reference of each.

The references mirror the policy contracts exactly (integer arithmetic, ties to the earliest
candidate) so that tests can compare every on-chain choice with them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from eth_abi import encode
from eth_utils import keccak

# The words the registry and the policies share, as contracts/libraries/ lays them out (bit
# offsets and masks under the Solidity constants' names; tests/sim/test_word_layouts.py checks
# that they are the same).
# PackedServer.sol: account in bits 0..159, x and y (int32), capacity (uint24).
SERVER_X_OFFSET = 160
SERVER_Y_OFFSET = 192
SERVER_CAPACITY_OFFSET = 224
SERVER_COORDINATE_MASK = 0xFFFFFFFF
# TaskId.sol: the device above a sequence number in the low 32 bits.
TASK_ID_DEVICE_OFFSET = 96
TASK_ID_SEQUENCE_MASK = 0xFFFFFFFF


class Policy(IntEnum):
    """Policy ids as `deploy_dmec` registers them in the registry's catalogue."""

    RANDOM = 1
    NEAREST = 2
    MCC = 3
    DELAY_AWARE = 4

    @property
    def label(self) -> str:
        return {1: "Random", 2: "Nearest", 3: "MCC", 4: "DelayAware"}[self.value]


@dataclass(frozen=True)
class Server:
    """A candidate server as a policy sees it."""

    account: str
    x_m: int
    y_m: int
    capacity_mcps: int

    def packed(self) -> int:
        """The contract's PackedServer word (see contracts/libraries/PackedServer.sol)."""
        return (
            int(self.account, 16)
            | ((self.x_m & SERVER_COORDINATE_MASK) << SERVER_X_OFFSET)
            | ((self.y_m & SERVER_COORDINATE_MASK) << SERVER_Y_OFFSET)
            | (self.capacity_mcps << SERVER_CAPACITY_OFFSET)
        )


@dataclass(frozen=True)
class TaskPlacement:
    """What a policy knows of one task."""

    task_id: int
    data_kb: int
    compute_megacycles: int
    drone_x_m: int
    drone_y_m: int


def task_context(task: TaskPlacement, servers: list[Server], kind: int = 0) -> tuple[int, ...]:
    """IOffloadingPolicy.TaskContext as the registry passes it for `task` among `servers`."""
    return (
        task.task_id,
        task.data_kb,
        task.compute_megacycles,
        kind,
        task.drone_x_m,
        task.drone_y_m,
        sum(s.capacity_mcps for s in servers),
    )


def nearest(servers: list[Server], x_m: int, y_m: int) -> int:
    distances = [(s.x_m - x_m) ** 2 + (s.y_m - y_m) ** 2 for s in servers]
    return distances.index(min(distances))


def max_capacity(servers: list[Server]) -> int:
    capacities = [s.capacity_mcps for s in servers]
    return capacities.index(max(capacities))


def random_index(prevrandao: int, task_id: int, candidates: int) -> int:
    digest = keccak(encode(["uint256", "uint256"], [prevrandao, task_id]))
    return int.from_bytes(digest, "big") % candidates


def delay_aware_uses_nearest(
    data_kb: int, compute_megacycles: int, servers: list[Server], mean_rate_kb_per_s: int
) -> bool:
    """a/r > b/c̄, cross-multiplied as the contract does: a·Σc > b·r·m."""
    total_capacity = sum(s.capacity_mcps for s in servers)
    return data_kb * total_capacity > compute_megacycles * mean_rate_kb_per_s * len(servers)


def select(
    policy: Policy,
    servers: list[Server],
    task: TaskPlacement,
    *,
    mean_rate_kb_per_s: int,
    prevrandao: int = 0,
) -> int:
    """Index of the server `policy` picks among `servers` (in the registry's order)."""
    if not servers:
        raise ValueError("no candidate servers")
    if policy is Policy.RANDOM:
        return random_index(prevrandao, task.task_id, len(servers))
    if policy is Policy.NEAREST:
        return nearest(servers, task.drone_x_m, task.drone_y_m)
    if policy is Policy.MCC:
        return max_capacity(servers)
    if delay_aware_uses_nearest(task.data_kb, task.compute_megacycles, servers, mean_rate_kb_per_s):
        return nearest(servers, task.drone_x_m, task.drone_y_m)
    return max_capacity(servers)


def reputation_aware(
    servers: list[Server],
    scores: list[int],
    min_score: int,
    inner: Callable[[list[Server]], int],
) -> int:
    """ReputationAwarePolicy: `inner`'s choice among the servers scoring at least `min_score`
    (kept in order), or the highest-scoring server (ties to the earliest) when none does."""
    trusted = [i for i, score in enumerate(scores) if score >= min_score]
    if not trusted:
        return scores.index(max(scores))
    return trusted[inner([servers[i] for i in trusted])]


def task_id(device: str, sequence: int) -> int:
    """The registry's task id (TaskId.sol): the device address above the sequence number."""
    return (int(device, 16) << TASK_ID_DEVICE_OFFSET) | sequence


def task_device(task_id_: int) -> str:
    return "0x" + format(task_id_ >> TASK_ID_DEVICE_OFFSET, "040x")


def task_sequence(task_id_: int) -> int:
    return task_id_ & TASK_ID_SEQUENCE_MASK
