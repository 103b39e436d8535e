"""DroneMecRegistry as a state machine: random sequences of registration, mobility, revocation,
policy choice, tasks, results, reassignments and abandonments against a Python model of the
rules. Among the actors are attackers: a server whose own drone relays tasks to it
(self-dealing), a competitor's drone whose tasks time out on another server, servers that
leave the reputation manager mid-task, and revoked servers that try to answer.

Every rule predicts, from the model alone, which custom error the call must revert with (or
that it succeeds) and checks it. Kept after every step and at the end of each example:
- a device never has more than one outstanding task (a second submission reverts, and the
  events of each device never show more submissions than results plus one);
- every assigned server was admitted and not revoked at the moment of assignment, and is the
  one the device's policy picks (Python reference, Random from the block's prevrandao);
- a drone acts only while its authorizing server is active; a revoked server cannot answer;
- the contract's counters (serverCount, taskCount) equal what the event log says;
- wired: a score moves only by an outcome whose party (the server that authorized the relaying
  drone) is an active node other than the scored server; a server that left is still scored.

Each example starts from a chain snapshot and restores it. `make test` runs a few short
examples; `make fuzz` (marker `fuzzing`) runs many long ones.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any, ClassVar

import ape
import pytest
from eth_utils import to_checksum_address
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from edgeledger.dmec.policies import Policy, Server, TaskPlacement, select, task_id
from edgeledger.fresco.reputation import Report, replay_scores

NONE, ACTIVE, REVOKED = 0, 1, 2
ASSIGNED, COMPLETED, ABANDONED = 1, 2, 3
SERVER_SLOTS, DRONE_SLOTS = 4, 4
# Devices never send transactions: plain addresses are enough.
DEVICES = [to_checksum_address("0x" + format(0xDE0000 + i, "040x")) for i in range(5)]

coordinate = st.integers(min_value=-2_000, max_value=2_000)
capacity = st.integers(min_value=1, max_value=50_000)
amount = st.integers(min_value=0, max_value=5_000)


@dataclass
class ServerModel:
    x: int
    y: int
    capacity: int
    state: int = ACTIVE
    revoked_at: int = 0  # block time of its revocation


@dataclass
class DroneModel:
    authorized_by: str
    x: int
    y: int
    state: int = ACTIVE


@dataclass
class DeviceModel:
    hub: str
    policy: int = 0
    state: int = ACTIVE
    task_count: int = 0
    task_state: int = 0
    server: str = ""
    assigned_at: int = 0
    data_kb: int = 0
    compute: int = 0
    kind: int = 0
    completed: int = 0
    reassigned: int = 0
    abandoned: int = 0


class RegistryMachine(RuleBasedStateMachine):
    # Set by the test function (fixtures are not available to a state machine class).
    chain: Any
    registry: Any
    agent: Any
    outsider: Any
    server_accounts: list[Any]
    drone_accounts: list[Any]
    mean_rate: int
    timeout_s: int
    outcomes: ClassVar[Counter[str]] = Counter()

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = self.chain.snapshot()
        self.first_block = self.chain.blocks.head.number + 1
        self.servers: dict[str, ServerModel] = {}
        self.server_order: list[str] = []  # the registry's list: active servers, newest first
        self.drones: dict[str, DroneModel] = {}
        self.devices: dict[str, DeviceModel] = {}
        # Every closed assignment: (server, task id, answered, after its timeout, party: the
        # server that authorized the relaying drone).
        self.closes: list[tuple[str, int, bool, bool, str]] = []

    # ------------------------------------------------------------ helpers

    def _admission_error(self, address: str) -> str | None:
        """Why the agent may not admit `address` besides the registry's own rules."""
        return None

    def _expect(self, error: str | None, call: Any, **fields: Any) -> Any:
        """Run `call`; it must revert with custom error `error`, or succeed when None."""
        # How often each outcome was exercised; printed at the end (see it with `-s`).
        self.outcomes[f"{sys._getframe(1).f_code.co_name}: {error or 'succeeded'}"] += 1
        if error is None:
            return call()
        with ape.reverts(getattr(self.registry, error), **fields):
            call()
        return None

    def _active_drone(self, address: str) -> bool:
        """Active, and so is the server that authorized it (revocation cascades)."""
        drone = self.drones.get(address)
        return (
            drone is not None
            and drone.state == ACTIVE
            and self.servers[drone.authorized_by].state == ACTIVE
        )

    def _party(self, model: DeviceModel) -> str:
        return self.drones[model.hub].authorized_by

    def _candidates(self, excluded: str = "") -> list[Server]:
        return [
            Server(a, self.servers[a].x, self.servers[a].y, self.servers[a].capacity)
            for a in self.server_order
            if a != excluded
        ]

    def _check_placement(
        self, tx: Any, device: str, candidates: list[Server], server: str, sequence: int
    ) -> None:
        """The assigned server was active at assignment and is the policy's choice."""
        assert server in self.server_order, f"{server} was not an active server"
        model = self.devices[device]
        drone = self.drones[model.hub]
        block = self.chain.provider.web3.eth.get_block(tx.block_number)
        placement = TaskPlacement(
            task_id(device, sequence), model.data_kb, model.compute, drone.x, drone.y
        )
        expected = select(
            Policy(model.policy),
            candidates,
            placement,
            mean_rate_kb_per_s=self.mean_rate,
            prevrandao=int.from_bytes(block["mixHash"], "big"),
        )
        assert server == candidates[expected].account
        model.server = server
        model.assigned_at = int(block["timestamp"])

    # ------------------------------------------------------------ a populated start

    @initialize(
        positions=st.lists(st.tuples(coordinate, coordinate), min_size=4, max_size=4),
        capacities=st.lists(capacity, min_size=2, max_size=2),
        policies=st.lists(st.sampled_from(list(Policy)), min_size=3, max_size=3),
    )
    def populate(
        self, positions: list[tuple[int, int]], capacities: list[int], policies: list[Policy]
    ) -> None:
        """Two servers, a drone under each, three devices with policies: without this start,
        random rule sequences rarely get past registration to tasks."""
        for slot in (0, 1):
            self.register_server(slot, *positions[slot], capacities[slot])
            self.register_drone(slot, slot, *positions[2 + slot])
        for device, policy in enumerate(policies):
            self.register_device(device, device % 2)
            self.set_policy(device, policy, 0, as_hub=True)

    # ------------------------------------------------------------ rules: membership

    @rule(slot=st.integers(0, SERVER_SLOTS - 1), x=coordinate, y=coordinate, cap=capacity)
    def register_server(self, slot: int, x: int, y: int, cap: int) -> None:
        account = self.server_accounts[slot]
        address = account.address
        error = "ServerAlreadyRegistered" if address in self.servers else None
        error = error or self._admission_error(address)
        if self._expect(
            error, lambda: self.registry.registerServer(account, x, y, cap, sender=self.agent)
        ):
            self.servers[address] = ServerModel(x, y, cap)
            self.server_order.insert(0, address)

    @rule(slot=st.integers(0, SERVER_SLOTS - 1))
    def revoke_server(self, slot: int) -> None:
        address = self.server_accounts[slot].address
        model = self.servers.get(address)
        error = None if model is not None and model.state == ACTIVE else "ServerNotActive"
        tx = self._expect(error, lambda: self.registry.revokeServer(address, sender=self.agent))
        if tx is not None:
            self.servers[address].state = REVOKED
            self.servers[address].revoked_at = int(tx.timestamp)
            self.server_order.remove(address)

    @rule(
        slot=st.integers(0, DRONE_SLOTS - 1),
        by=st.integers(0, SERVER_SLOTS - 1),
        x=coordinate,
        y=coordinate,
    )
    def register_drone(self, slot: int, by: int, x: int, y: int) -> None:
        drone, authority = self.drone_accounts[slot], self.server_accounts[by]
        server = self.servers.get(authority.address)
        if server is None or server.state != ACTIVE:
            error: str | None = "ServerNotActive"
        elif drone.address in self.drones:
            error = "DroneAlreadyRegistered"
        else:
            error = None
        if self._expect(error, lambda: self.registry.registerDrone(drone, x, y, sender=authority)):
            self.drones[drone.address] = DroneModel(authority.address, x, y)

    @rule(slot=st.integers(0, DRONE_SLOTS - 1), x=coordinate, y=coordinate)
    def move_drone(self, slot: int, x: int, y: int) -> None:
        drone = self.drone_accounts[slot]
        error = None if self._active_drone(drone.address) else "DroneNotActive"
        if self._expect(error, lambda: self.registry.updateDronePosition(x, y, sender=drone)):
            self.drones[drone.address].x, self.drones[drone.address].y = x, y

    @rule(slot=st.integers(0, DRONE_SLOTS - 1), by_agent=st.booleans())
    def revoke_drone(self, slot: int, by_agent: bool) -> None:
        drone = self.drone_accounts[slot].address
        model = self.drones.get(drone)
        if model is None or model.state != ACTIVE:
            error: str | None = "DroneNotActive"
            sender = self.agent
        else:
            # Its authorizing server may revoke it, as may the agent; nobody else.
            sender = self.agent if by_agent else self.outsider
            error = None if by_agent else "NotDroneAuthority"
        if self._expect(error, lambda: self.registry.revokeDrone(drone, sender=sender)):
            self.drones[drone].state = REVOKED

    @rule(device=st.integers(0, len(DEVICES) - 1), by=st.integers(0, DRONE_SLOTS - 1))
    def register_device(self, device: int, by: int) -> None:
        address, drone = DEVICES[device], self.drone_accounts[by]
        if not self._active_drone(drone.address):
            error: str | None = "DroneNotActive"
        elif address in self.devices:
            error = "DeviceAlreadyRegistered"
        else:
            error = None
        if self._expect(error, lambda: self.registry.registerDevice(address, sender=drone)):
            self.devices[address] = DeviceModel(hub=drone.address)

    def _hub_error(self, address: str, sender: Any) -> str | None:
        """What a drone-only call about `address` by `sender` reverts with, if anything."""
        if not self._active_drone(sender.address):
            return "DroneNotActive"
        model = self.devices.get(address)
        if model is None or model.state != ACTIVE:
            return "DeviceNotActive"
        if model.hub != sender.address:
            return "NotDeviceHub"
        return None

    def _sender_for(self, address: str, other: int, as_hub: bool) -> Any:
        """The device's hub (when it is a drone account we hold), or some other drone."""
        model = self.devices.get(address)
        if as_hub and model is not None:
            return next(d for d in self.drone_accounts if d.address == model.hub)
        return self.drone_accounts[other]

    @rule(
        device=st.integers(0, len(DEVICES) - 1),
        to=st.integers(0, DRONE_SLOTS - 1),
        other=st.integers(0, DRONE_SLOTS - 1),
        as_hub=st.booleans(),
    )
    def move_device(self, device: int, to: int, other: int, as_hub: bool) -> None:
        address, new_hub = DEVICES[device], self.drone_accounts[to]
        sender = self._sender_for(address, other, as_hub)
        error = self._hub_error(address, sender)
        if error is None and self.devices[address].task_state == ASSIGNED:
            error = "TaskOutstanding"  # the relaying hub is the party: no hub change mid-task
        if error is None and not self._active_drone(new_hub.address):
            error = "DroneNotActive"
        if self._expect(
            error, lambda: self.registry.addDroneToDevice(address, new_hub, sender=sender)
        ):
            self.devices[address].hub = new_hub.address

    @rule(device=st.integers(0, len(DEVICES) - 1), by_hub=st.booleans())
    def revoke_device(self, device: int, by_hub: bool) -> None:
        address = DEVICES[device]
        model = self.devices.get(address)
        if model is None or model.state != ACTIVE:
            error: str | None = "DeviceNotActive"
            sender = self.agent
        elif by_hub:
            sender = self._sender_for(address, 0, as_hub=True)
            error = None
        else:
            sender = self.outsider
            error = "NotDeviceAuthority"
        if self._expect(error, lambda: self.registry.revokeDevice(address, sender=sender)):
            self.devices[address].state = REVOKED

    @rule(
        device=st.integers(0, len(DEVICES) - 1),
        policy=st.sampled_from(list(Policy)),
        other=st.integers(0, DRONE_SLOTS - 1),
        as_hub=st.booleans(),
    )
    def set_policy(self, device: int, policy: Policy, other: int, as_hub: bool) -> None:
        address = DEVICES[device]
        sender = self._sender_for(address, other, as_hub)
        error = self._hub_error(address, sender)
        if self._expect(
            error, lambda: self.registry.addOffloadingPolicy(address, int(policy), sender=sender)
        ):
            self.devices[address].policy = int(policy)

    # ------------------------------------------------------------ rules: tasks

    @rule(
        device=st.integers(0, len(DEVICES) - 1),
        other=st.integers(0, DRONE_SLOTS - 1),
        as_hub=st.booleans(),
        data_kb=amount,
        compute=amount,
        kind=st.integers(0, 3),
    )
    def submit_task(
        self, device: int, other: int, as_hub: bool, data_kb: int, compute: int, kind: int
    ) -> None:
        address = DEVICES[device]
        sender = self._sender_for(address, other, as_hub)
        error = self._hub_error(address, sender)
        model = self.devices.get(address)
        if error is None and model is not None:
            if model.task_state == ASSIGNED:
                error = "TaskOutstanding"  # at most one outstanding task per device
            elif model.policy == 0:
                error = "OffloadingPolicyNotSet"
            elif not self.server_order:
                error = "NoServerAvailable"
        candidates = self._candidates()
        tx = self._expect(
            error,
            lambda: self.registry.submitTask(address, data_kb, compute, kind, sender=sender),
        )
        if tx is None:
            return
        assert model is not None
        model.task_count += 1
        model.task_state = ASSIGNED
        model.data_kb, model.compute, model.kind = data_kb, compute, kind
        (event,) = tx.events
        assert event.taskId == task_id(address, model.task_count)
        self._check_placement(tx, address, candidates, str(event.server), model.task_count)

    @rule(device=st.integers(0, len(DEVICES) - 1), by_assigned=st.booleans())
    def submit_result(self, device: int, by_assigned: bool) -> None:
        address = DEVICES[device]
        model = self.devices.get(address)
        sequence = model.task_count if model is not None and model.task_count else 1
        task = task_id(address, sequence)
        if model is None or model.task_state != ASSIGNED:
            error: str | None = "TaskNotOutstanding"
            sender = self.outsider
        elif by_assigned:
            # A revoked server's task is taken away from it.
            error = None if self.servers[model.server].state == ACTIVE else "ServerNotActive"
            sender = next(s for s in self.server_accounts if s.address == model.server)
        else:
            error = "NotAssignedServer"
            sender = self.outsider
        if self._expect(
            error, lambda: self.registry.submitResult(task, b"\x5a" * 32, sender=sender)
        ):
            assert model is not None
            model.task_state = COMPLETED
            model.completed += 1
            self.closes.append((model.server, task, True, False, self._party(model)))

    def _unanswered_error(
        self, address: str, wait_for_timeout: bool, orphans_too: bool = False
    ) -> tuple[str | None, Any, bool]:
        """What moving or closing the device's task away from its server reverts with, if
        anything; the sender (its hub); whether the server failed it by the next block (held
        it, unanswered, to its deadline). With `orphans_too`, a hub that is no longer active
        may still close it."""
        model = self.devices.get(address)
        if model is None or model.task_state != ASSIGNED:
            return "TaskNotOutstanding", self.agent, False
        sender = self._sender_for(address, 0, as_hub=True)
        times_out_at = model.assigned_at + self.timeout_s
        head = self.chain.blocks.head.timestamp
        # Make the next block's time certain: past the timeout, or well before it.
        timed_out = bool(wait_for_timeout or head >= times_out_at - 10)
        if timed_out and head < times_out_at:
            self.chain.mine(timestamp=times_out_at)
        server = self.servers[model.server]
        server_active = server.state == ACTIVE
        # A failure only if the server held the task to its deadline: one revoked before it
        # had the task taken away, however late the hub moves it.
        failed = timed_out and (server_active or server.revoked_at >= times_out_at)
        if not self._active_drone(sender.address) and not orphans_too:
            return "DroneNotActive", sender, failed
        if not timed_out and server_active:
            return "TaskNotTimedOut", sender, failed
        return None, sender, failed

    @rule(device=st.integers(0, len(DEVICES) - 1), wait_for_timeout=st.booleans())
    def reassign_task(self, device: int, wait_for_timeout: bool) -> None:
        address = DEVICES[device]
        model = self.devices.get(address)
        error, sender, timed_out = self._unanswered_error(address, wait_for_timeout)
        if error is None and model is not None and not self._candidates(excluded=model.server):
            error = "NoServerAvailable"
        task = task_id(address, model.task_count if model and model.task_count else 1)
        candidates = self._candidates(excluded=model.server if model else "")
        tx = self._expect(error, lambda: self.registry.reassignTask(task, sender=sender))
        if tx is None:
            return
        assert model is not None
        # Wired to a reputation manager, a timed-out reassignment also logs the outcome.
        (event,) = [log for log in tx.events if log.event_name == "TaskReassigned"]
        assert event.fromServer == model.server and event.toServer != model.server
        model.reassigned += 1
        self.closes.append((model.server, task, False, timed_out, self._party(model)))
        self._check_placement(tx, address, candidates, str(event.toServer), model.task_count)

    @rule(device=st.integers(0, len(DEVICES) - 1), wait_for_timeout=st.booleans())
    def abandon_task(self, device: int, wait_for_timeout: bool) -> None:
        """The hub closes a task nobody answered: always possible once it timed out (or its
        server was revoked), even with no other server to move it to."""
        address = DEVICES[device]
        model = self.devices.get(address)
        error, sender, timed_out = self._unanswered_error(address, wait_for_timeout, True)
        task = task_id(address, model.task_count if model and model.task_count else 1)
        if self._expect(error, lambda: self.registry.abandonTask(task, sender=sender)):
            assert model is not None
            model.task_state = ABANDONED
            model.abandoned += 1
            # An orphan's task (its hub gone) closes with no outcome: nobody vouches for it.
            if self._active_drone(model.hub):
                self.closes.append((model.server, task, False, timed_out, self._party(model)))

    # ------------------------------------------------------------ invariants

    @invariant()
    def server_list_matches(self) -> None:
        on_chain = [str(info.account) for info in self.registry.getServers()]
        assert on_chain == self.server_order
        assert self.registry.serverCount() == len(self.server_order)

    @invariant()
    def devices_match(self) -> None:
        for address, model in self.devices.items():
            info = self.registry.getDeviceInfo(address)
            assert (info.hub, info.policyId, info.membership) == (
                model.hub,
                model.policy,
                model.state,
            )
            assert (info.taskCount, info.latestTaskState) == (model.task_count, model.task_state)

    def teardown(self) -> None:
        try:
            self._counters_match_events()
        finally:
            self.chain.restore(self.snapshot)

    def _counters_match_events(self) -> None:
        def count(event: Any, **topics: str) -> int:
            # stop 0 means up to the head (ape's range)
            logs = event.range(self.first_block, 0, search_topics=topics or None)
            return sum(1 for _ in logs)

        registry = self.registry
        registered = count(registry.ServerRegistered)
        revoked = count(registry.ServerRevoked)
        assert registered == len(self.servers)
        assert registered - revoked == registry.serverCount()
        for address, model in self.devices.items():
            submitted = count(registry.TaskSubmitted, device=address)
            completed = count(registry.TaskCompleted, device=address)
            abandoned = count(registry.TaskAbandoned, device=address)
            assert submitted == registry.getDeviceInfo(address).taskCount == model.task_count
            assert (completed, abandoned) == (model.completed, model.abandoned)
            # One outstanding task at most: closes trail submissions by zero or one.
            outstanding = submitted - completed - abandoned
            assert outstanding == (1 if model.task_state == ASSIGNED else 0)
            assert count(registry.TaskReassigned, device=address) == model.reassigned


class WiredRegistryMachine(RegistryMachine):
    """The same machine on a registry wired to a reputation manager (one identity), with
    servers leaving and rejoining the reputation manager. At the end of each example the
    reputation log must hold exactly one outcome per closed assignment (an answer: success; a
    timeout: failure; a revocation: none) whose party was an active node other than the
    server, in order, whether or not the server itself had left; and replaying the log must
    give every on-chain score."""

    reputation: Any
    scores: Any

    def __init__(self) -> None:
        super().__init__()
        self.nodes = {s.address: True for s in self.server_accounts}  # active in reputation
        self.expected: list[tuple[str, int, bool]] = []
        self.closes_seen = 0

    def _admission_error(self, address: str) -> str | None:
        return None if self.nodes[address] else "ServerNotReputationNode"

    @rule(slot=st.integers(0, SERVER_SLOTS - 1))
    def leave_or_rejoin_reputation(self, slot: int) -> None:
        account = self.server_accounts[slot]
        if self.nodes[account.address]:
            self.reputation.unregisterNode(account, sender=account)
        else:
            self.reputation.registerNode(account, sender=self.agent)
        self.nodes[account.address] = not self.nodes[account.address]

    @rule(
        device=st.integers(0, 2),  # the devices `populate` registered
        data_kb=amount,
        compute=amount,
        answered=st.booleans(),
    )
    def serve_a_task(self, device: int, data_kb: int, compute: int, answered: bool) -> None:
        """A whole task through its hub, then answered or timed out and moved on: random
        sequences of the single rules close few assignments, and closes are what this
        machine is about."""
        self.submit_task(device, 0, True, data_kb, compute, 0)
        if answered:
            self.submit_result(device, True)
        else:
            self.reassign_task(device, True)

    @invariant()
    def outcomes_follow_closes(self) -> None:
        """Closes since the last step become expected outcomes when their party is an active
        node other than the server (no score from one's own drones, none from a party that
        left); the server counts whether or not it left."""
        for server, task, answered, timed_out, party in self.closes[self.closes_seen :]:
            if (answered or timed_out) and party != server and self.nodes[party]:
                self.expected.append((server, task, answered))
        self.closes_seen = len(self.closes)

    def teardown(self) -> None:
        try:
            self.outcomes_follow_closes()
            logs = self.reputation.OutcomeRecorded.range(self.first_block, 0)
            recorded = [
                (str(log.node), int(log.outcomeId), Report.unpacked(int(log.report)).succeeded)
                for log in logs
            ]
            assert recorded == self.expected
            assert all(str(log.source) == self.registry.address for log in logs)
            assert all(str(log.party) != str(log.node) for log in logs)
            book = replay_scores(self.reputation, self.scores)
            for account in self.server_accounts:
                on_chain = int(self.reputation.getReputationScore(account))
                assert book.score(account.address) == on_chain
        finally:
            super().teardown()


def configured(
    chain: Any, dmec: Any, agent: Any, outsider: Any, accounts: Any
) -> type[RegistryMachine]:
    """The machine on `dmec`; the wired one when `dmec` has a reputation manager, whose
    nodes the server accounts then become (before the examples' snapshot)."""
    machine = RegistryMachine if dmec.reputation is None else WiredRegistryMachine
    machine.chain = chain
    machine.registry = dmec.registry
    machine.agent = agent
    machine.outsider = outsider
    machine.server_accounts = [accounts[10 + i] for i in range(SERVER_SLOTS)]
    machine.drone_accounts = [accounts[14 + i] for i in range(DRONE_SLOTS)]
    machine.mean_rate = dmec.parameters.mean_rate_kb_per_s
    machine.timeout_s = dmec.parameters.task_timeout_s
    if machine is WiredRegistryMachine:
        WiredRegistryMachine.reputation = dmec.reputation
        WiredRegistryMachine.scores = dmec.parameters.scores
        for account in machine.server_accounts:
            dmec.reputation.registerNode(account, sender=agent)
    return machine


def print_outcomes() -> None:
    """Which rule outcomes the run exercised (shown with `pytest -s`)."""
    for outcome, times in sorted(RegistryMachine.outcomes.items()):
        print(f"{times:5d}  {outcome}")


# The paper's stand-alone registry, and the one `deploy_all` wires to the reputation manager.
# Both deployments are fixture arguments, not `getfixturevalue` calls: a session fixture made
# inside a test would be rolled back with the test's snapshot.
DEPLOYMENTS = pytest.mark.parametrize("wired", [False, True], ids=["alone", "wired"])


# In `make test-slow` (a minute a deployment): `make test` runs the same invariants in forge's
# registry campaigns (tests/forge/RegistryInvariants.t.sol), 128,000 calls each.
@pytest.mark.slow
@DEPLOYMENTS
def test_registry_state_machine(
    chain: Any,
    dmec: Any,
    edge: Any,
    agent: Any,
    outsider: Any,
    accounts: Any,
    stateful: Any,
    wired: bool,
) -> None:
    stateful(configured(chain, edge if wired else dmec, agent, outsider, accounts), 6, 30)
    print_outcomes()


@pytest.mark.fuzzing
@DEPLOYMENTS
def test_registry_state_machine__long(
    chain: Any,
    dmec: Any,
    edge: Any,
    agent: Any,
    outsider: Any,
    accounts: Any,
    stateful: Any,
    wired: bool,
) -> None:
    stateful(configured(chain, edge if wired else dmec, agent, outsider, accounts), 40, 50)
    print_outcomes()
