"""Each policy's on-chain choice equals the Python reference in edgeledger.dmec.policies."""

from __future__ import annotations

from typing import Any

from eth_utils import to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgeledger.dmec.policies import (
    Policy,
    Server,
    TaskPlacement,
    select,
    task_context,
    task_id,
)

INT32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)
NEAR = st.integers(min_value=-5_000, max_value=5_000)  # small coordinates make ties likely
CAPACITY = st.integers(min_value=1, max_value=2**24 - 1)
SMALL_CAPACITY = st.sampled_from([1_000, 2_000, 4_000])


def servers_strategy(max_size: int) -> st.SearchStrategy[list[Server]]:
    server = st.builds(
        lambda i, x, y, c: Server(to_checksum_address("0x" + format(0xE000 + i, "040x")), x, y, c),
        st.integers(min_value=0, max_value=10_000),
        st.one_of(INT32, NEAR),
        st.one_of(INT32, NEAR),
        st.one_of(CAPACITY, SMALL_CAPACITY),
    )
    return st.lists(server, min_size=1, max_size=max_size, unique_by=lambda s: s.account)


TASKS = st.builds(
    TaskPlacement,
    task_id=st.integers(min_value=1, max_value=2**256 - 1),
    data_kb=st.integers(min_value=0, max_value=2**32 - 1),
    compute_megacycles=st.integers(min_value=0, max_value=2**32 - 1),
    drone_x_m=st.one_of(INT32, NEAR),
    drone_y_m=st.one_of(INT32, NEAR),
)

RELAXED = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@RELAXED
@given(
    servers=servers_strategy(12),
    task=TASKS,
    policy=st.sampled_from([Policy.NEAREST, Policy.MCC, Policy.DELAY_AWARE]),
)
def test_deterministic_policy_contract__matches_reference(
    dmec: Any, servers: list[Server], task: TaskPlacement, policy: Policy
) -> None:
    on_chain = dmec.policies[policy].selectServer(
        [s.packed() for s in servers], task_context(task, servers)
    )
    expected = select(policy, servers, task, mean_rate_kb_per_s=dmec.parameters.mean_rate_kb_per_s)
    assert on_chain == expected


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    servers=servers_strategy(6),
    policy=st.sampled_from(list(Policy)),
    drone_xy=st.tuples(NEAR, NEAR),
    data_kb=st.integers(min_value=0, max_value=200_000),
    compute=st.integers(min_value=0, max_value=200_000),
)
def test_registry_assignment__matches_reference(
    chain: Any,
    dmec: Any,
    registry: Any,
    agent: Any,
    accounts: Any,
    servers: list[Server],
    policy: Policy,
    drone_xy: tuple[int, int],
    data_kb: int,
    compute: int,
) -> None:
    """Through the registry: its server list, drone position and block randomness."""
    snapshot = chain.snapshot()
    try:
        authority, drone, device = accounts[10], accounts[11], accounts[12]
        registry.registerServer(authority, 0, 0, 1, sender=agent)
        for s in servers:
            registry.registerServer(s.account, s.x_m, s.y_m, s.capacity_mcps, sender=agent)
        registry.registerDrone(drone, *drone_xy, sender=authority)
        registry.registerDevice(device, sender=drone)
        registry.addOffloadingPolicy(device, int(policy), sender=drone)

        tx = registry.submitTask(device, data_kb, compute, 0, sender=drone)

        candidates = [Server(i.account, i.x, i.y, i.capacityMcps) for i in registry.getServers()]
        block = chain.provider.web3.eth.get_block(tx.block_number)
        placement = TaskPlacement(task_id(device.address, 1), data_kb, compute, *drone_xy)
        expected = select(
            policy,
            candidates,
            placement,
            mean_rate_kb_per_s=dmec.parameters.mean_rate_kb_per_s,
            prevrandao=int.from_bytes(block["mixHash"], "big"),
        )
        assert tx.events[0].server == candidates[expected].account
    finally:
        chain.restore(snapshot)


# DelayAware compares a * sum(c) with b * r * m over the candidates. In `world` (rate 2,500):
# capacities 10,000 (server), 20,000 (other_server), 40,000 (third). A task of a = 1 KB and
# b = 10 Mcycles goes to MCC among all three; without `third`, MCC still wins (6a < b), but a
# stale sum that still counted `third` would switch to Nearest (14a > b) and pick `server`.
SMALL_DATA_KB, SOME_COMPUTE = 1, 10


def test_delay_aware__total_capacity_follows_revocation(
    world: dict[str, Any], registry: Any, agent: Any, drone: Any, device: Any
) -> None:
    _, other_server, third = world["servers"]
    registry.addOffloadingPolicy(device, int(Policy.DELAY_AWARE), sender=drone)
    assert registry.queryOffloading(device, SMALL_DATA_KB, SOME_COMPUTE, 0) == third

    registry.revokeServer(third, sender=agent)

    assert registry.queryOffloading(device, SMALL_DATA_KB, SOME_COMPUTE, 0) == other_server


def test_delay_aware__reassignment_leaves_the_previous_server_out_of_the_sum(
    world: dict[str, Any], chain: Any, registry: Any, drone: Any, device: Any
) -> None:
    _, other_server, third = world["servers"]
    registry.addOffloadingPolicy(device, int(Policy.DELAY_AWARE), sender=drone)
    registry.submitTask(device, SMALL_DATA_KB, SOME_COMPUTE, 0, sender=drone)
    chain.mine(deltatime=registry.TASK_TIMEOUT_S() + 1)

    tx = registry.reassignTask(task_id(device.address, 1), sender=drone)

    assert (tx.events[0].fromServer, tx.events[0].toServer) == (third, other_server)
