"""Off-chain DMEC actors: IoT devices make tasks, drones relay them through the registry and
forward the data to the server it chose, MEC servers compute and post result digests.

Everything that decides or records goes through the deployed DroneMecRegistry: a drone learns
the server from its own transaction's event, a server checks the assignment on chain before it
computes, and only the assigned server's `submitResult` completes a task.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from eth_abi import encode
from eth_utils import keccak

# Task kinds of the DMEC scenario (the paper: "what kind of analytic tasks are performed").
TASK_KINDS = {0: "sensing", 1: "video-analytics", 2: "anomaly-detection"}
SERVER_AREA_M = 2_000  # simulated servers and drones lie in a square of this side, metres


@dataclass(frozen=True)
class TaskSpec:
    """One offloading task as an IoT device produces it."""

    data_kb: int
    compute_megacycles: int
    kind: int


@dataclass(frozen=True)
class WorkloadModel:
    """Task sizes drawn uniformly from these ranges (integers, the contract's units)."""

    data_kb: tuple[int, int] = (100, 5_000)
    compute_megacycles: tuple[int, int] = (100, 5_000)

    def draw(self, rng: np.random.Generator) -> TaskSpec:
        return TaskSpec(
            data_kb=int(rng.integers(self.data_kb[0], self.data_kb[1] + 1)),
            compute_megacycles=int(
                rng.integers(self.compute_megacycles[0], self.compute_megacycles[1] + 1)
            ),
            kind=int(rng.integers(0, len(TASK_KINDS))),
        )


@dataclass
class IoTDevice:
    """A sensor: an address on chain, a task generator off chain."""

    address: str
    workload: WorkloadModel
    rng: np.random.Generator

    def next_task(self) -> TaskSpec:
        return self.workload.draw(self.rng)


@dataclass(frozen=True)
class Relayed:
    """What a drone knows after relaying one task."""

    task_id: int
    device: str
    server: str
    spec: TaskSpec
    gas_used: int
    transmission_s: float


@dataclass
class MecServer:
    """A MEC server: computes the tasks the registry assigned to it and posts their digests."""

    account: Any
    capacity_mcps: int
    x_m: int
    y_m: int
    completed: list[int] = field(default_factory=list)

    @property
    def address(self) -> str:
        return str(self.account.address)

    def compute_time_s(self, spec: TaskSpec) -> float:
        return spec.compute_megacycles / self.capacity_mcps

    def process(self, registry: Any, task_id: int, data: bytes) -> tuple[bytes, Any]:
        """Check the assignment on chain, compute, post the digest. Returns (digest, receipt)."""
        info = registry.getTaskInfo(task_id)
        if info.server != self.address:
            raise RuntimeError(
                f"task {task_id:#x} is assigned to {info.server}, not to {self.address}"
            )
        digest = result_digest(task_id, data)
        receipt = registry.submitResult(task_id, digest, sender=self.account)
        self.completed.append(task_id)
        return digest, receipt


@dataclass
class Drone:
    """An offloading hub: relays its devices' tasks through the registry."""

    account: Any
    x_m: int
    y_m: int
    rate_kb_per_s: float

    @property
    def address(self) -> str:
        return str(self.account.address)

    def relay(self, registry: Any, device: str, spec: TaskSpec) -> Relayed:
        receipt = registry.submitTask(
            device, spec.data_kb, spec.compute_megacycles, spec.kind, sender=self.account
        )
        return self.relayed(receipt.gas_used, receipt.events[0], spec)

    def relay_batch(self, registry: Any, tasks: list[tuple[str, TaskSpec]]) -> list[Relayed]:
        receipt = registry.submitTasks(
            [(d, s.data_kb, s.compute_megacycles, s.kind) for d, s in tasks],
            sender=self.account,
        )
        share = receipt.gas_used // len(tasks)
        return [
            self.relayed(share, event, spec)
            for event, (_, spec) in zip(receipt.events, tasks, strict=True)
        ]

    def move_to(self, registry: Any, x_m: int, y_m: int) -> None:
        registry.updateDronePosition(x_m, y_m, sender=self.account)
        self.x_m, self.y_m = x_m, y_m

    def forward(self, spec: TaskSpec, task_id: int) -> bytes:
        """The task's payload as the drone forwards it to the server (simulated content)."""
        return keccak(encode(["uint256", "uint32"], [task_id, spec.data_kb]))

    def relayed(self, gas_used: int, event: Any, spec: TaskSpec) -> Relayed:
        """What the drone knows of a relay from its TaskSubmitted event and the gas it paid."""
        return Relayed(
            task_id=int(event.taskId),
            device=str(event.device),
            server=str(event.server),
            spec=spec,
            gas_used=int(gas_used),
            transmission_s=spec.data_kb / self.rate_kb_per_s,
        )


def result_digest(task_id: int, data: bytes) -> bytes:
    """The digest a server posts: keccak256 of the task id and the (simulated) result."""
    return keccak(encode(["uint256", "bytes"], [task_id, data]))
