"""DroneMecRegistry: admission, authorization, registration, mobility, policies, revocation."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from edgeledger.dmec.policies import Policy

ZERO = "0x0000000000000000000000000000000000000000"
ACTIVE, REVOKED = 1, 2


# ---------------------------------------------------------------- servers


def test_register_server__stores_info_and_emits(registry: Any, agent: Any, server: Any) -> None:
    tx = registry.registerServer(server, -40, 75, 12_000, sender=agent)

    info = registry.getServerInfo(server)
    assert (info.account, info.x, info.y, info.capacityMcps, info.membership) == (
        server.address,
        -40,
        75,
        12_000,
        ACTIVE,
    )
    assert registry.serverCount() == 1
    assert tx.events == [registry.ServerRegistered(server, -40, 75, 12_000)]


def test_register_server__non_agent_reverts(registry: Any, server: Any, outsider: Any) -> None:
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=outsider):
        registry.registerServer(server, 0, 0, 1, sender=outsider)


def test_register_server__twice_reverts(
    create_server: Any, registry: Any, agent: Any, server: Any
) -> None:
    create_server(server)
    with ape.reverts(registry.ServerAlreadyRegistered, server=server):
        registry.registerServer(server, 0, 0, 1, sender=agent)


def test_register_server__zero_capacity_reverts(registry: Any, agent: Any, server: Any) -> None:
    with ape.reverts(registry.ZeroCapacity):
        registry.registerServer(server, 0, 0, 0, sender=agent)


def test_register_server__zero_address_reverts(registry: Any, agent: Any) -> None:
    with ape.reverts(registry.ZeroAddress):
        registry.registerServer(ZERO, 0, 0, 1, sender=agent)


def test_get_servers__lists_active_servers_newest_first(
    world: dict[str, Any], registry: Any
) -> None:
    listed = [info.account for info in registry.getServers()]
    assert listed == [s.address for s in reversed(world["servers"])]


def test_revoke_server__removes_it_from_every_position(
    create_server: Any, registry: Any, agent: Any, accounts: Any
) -> None:
    servers = [create_server(accounts[i]) for i in (1, 2, 6, 7)]
    # Revoke from the middle, the head and the tail of the list.
    for victim in (servers[1], servers[3], servers[0]):
        tx = registry.revokeServer(victim, sender=agent)
        assert tx.events == [registry.ServerRevoked(victim, agent)]
        assert registry.getServerInfo(victim).membership == REVOKED
    assert [info.account for info in registry.getServers()] == [servers[2].address]
    assert registry.serverCount() == 1


def test_revoke_server__unknown_or_revoked_reverts(
    create_server: Any, registry: Any, agent: Any, server: Any
) -> None:
    with ape.reverts(registry.ServerNotActive, server=server):
        registry.revokeServer(server, sender=agent)
    create_server(server)
    registry.revokeServer(server, sender=agent)
    with ape.reverts(registry.ServerNotActive, server=server):
        registry.revokeServer(server, sender=agent)
    with ape.reverts(registry.ServerAlreadyRegistered, server=server):
        registry.registerServer(server, 0, 0, 1, sender=agent)


def test_revoke_server__non_agent_reverts(
    create_server: Any, registry: Any, server: Any, outsider: Any
) -> None:
    create_server(server)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=outsider):
        registry.revokeServer(server, sender=outsider)


# ---------------------------------------------------------------- drones


def test_register_drone__by_admitted_server(
    create_server: Any, registry: Any, server: Any, drone: Any
) -> None:
    create_server(server)
    tx = registry.registerDrone(drone, 3, -4, sender=server)
    info = registry.getDroneInfo(drone)
    assert (info.authorizedBy, info.x, info.y, info.membership) == (server.address, 3, -4, ACTIVE)
    assert tx.events == [registry.DroneRegistered(drone, server, 3, -4)]


def test_register_drone__unadmitted_server_reverts(
    registry: Any, outsider: Any, drone: Any
) -> None:
    with ape.reverts(registry.ServerNotActive, server=outsider):
        registry.registerDrone(drone, 0, 0, sender=outsider)


def test_register_drone__revoked_server_reverts(
    create_server: Any, registry: Any, agent: Any, server: Any, drone: Any
) -> None:
    create_server(server)
    registry.revokeServer(server, sender=agent)
    with ape.reverts(registry.ServerNotActive, server=server):
        registry.registerDrone(drone, 0, 0, sender=server)


def test_register_drone__twice_or_zero_reverts(
    create_server: Any, create_drone: Any, registry: Any, server: Any, drone: Any
) -> None:
    create_server(server)
    create_drone(drone, authorized_by=server)
    with ape.reverts(registry.DroneAlreadyRegistered, drone=drone):
        registry.registerDrone(drone, 0, 0, sender=server)
    with ape.reverts(registry.ZeroAddress):
        registry.registerDrone(ZERO, 0, 0, sender=server)


def test_update_drone_position(world: dict[str, Any], registry: Any, drone: Any) -> None:
    tx = registry.updateDronePosition(250, -9, sender=drone)
    info = registry.getDroneInfo(drone)
    assert (info.x, info.y) == (250, -9)
    assert tx.events == [registry.DroneMoved(drone, 250, -9)]


def test_update_drone_position__not_a_drone_reverts(registry: Any, outsider: Any) -> None:
    with ape.reverts(registry.DroneNotActive, drone=outsider):
        registry.updateDronePosition(1, 1, sender=outsider)


def test_revoke_drone__by_its_server_or_the_agent(
    world: dict[str, Any],
    create_drone: Any,
    registry: Any,
    agent: Any,
    server: Any,
    other_drone: Any,
) -> None:
    create_drone(other_drone, authorized_by=server)
    tx = registry.revokeDrone(world["drone"], sender=server)
    assert tx.events == [registry.DroneRevoked(world["drone"], server)]
    registry.revokeDrone(other_drone, sender=agent)
    assert registry.getDroneInfo(other_drone).membership == REVOKED
    with ape.reverts(registry.DroneNotActive, drone=world["drone"]):
        registry.revokeDrone(world["drone"], sender=agent)


def test_revoke_drone__another_server_reverts(
    world: dict[str, Any], registry: Any, other_server: Any
) -> None:
    with ape.reverts(registry.NotDroneAuthority, caller=other_server, drone=world["drone"]):
        registry.revokeDrone(world["drone"], sender=other_server)


def test_revoked_drone__can_relay_nothing(
    world: dict[str, Any], registry: Any, server: Any, drone: Any, device: Any
) -> None:
    registry.revokeDrone(drone, sender=server)
    with ape.reverts(registry.DroneNotActive, drone=drone):
        registry.submitTask(device, 1, 1, 0, sender=drone)


# ---------------------------------------------------------------- devices


def test_register_device__hub_is_the_drone(
    create_server: Any, create_drone: Any, registry: Any, server: Any, drone: Any, device: Any
) -> None:
    create_server(server)
    create_drone(drone, authorized_by=server)
    tx = registry.registerDevice(device, sender=drone)
    assert registry.queryDrone(device) == drone.address
    info = registry.getDeviceInfo(device)
    assert (info.hub, info.policyId, info.membership, info.taskCount) == (
        drone.address,
        0,
        ACTIVE,
        0,
    )
    assert tx.events == [registry.DeviceRegistered(device, drone)]


def test_register_device__not_a_drone_reverts(
    create_server: Any, registry: Any, server: Any, device: Any
) -> None:
    create_server(server)
    with ape.reverts(registry.DroneNotActive, drone=server):
        registry.registerDevice(device, sender=server)


def test_register_device__twice_reverts(
    world: dict[str, Any],
    create_drone: Any,
    registry: Any,
    server: Any,
    other_drone: Any,
    device: Any,
) -> None:
    create_drone(other_drone, authorized_by=server)
    with ape.reverts(registry.DeviceAlreadyRegistered, device=device):
        registry.registerDevice(device, sender=other_drone)
    with ape.reverts(registry.ZeroAddress):
        registry.registerDevice(ZERO, sender=other_drone)


def test_add_drone_to_device__moves_the_hub(
    world: dict[str, Any],
    create_drone: Any,
    registry: Any,
    server: Any,
    drone: Any,
    other_drone: Any,
    device: Any,
) -> None:
    create_drone(other_drone, authorized_by=server)
    tx = registry.addDroneToDevice(device, other_drone, sender=drone)
    assert registry.queryDrone(device) == other_drone.address
    assert tx.events == [registry.DeviceMoved(device, drone, other_drone)]
    # The old hub has lost the device; the new one relays its tasks.
    with ape.reverts(registry.NotDeviceHub, caller=drone, device=device, hub=other_drone):
        registry.submitTask(device, 1, 1, 0, sender=drone)
    registry.submitTask(device, 1, 1, 0, sender=other_drone)


def test_add_drone_to_device__by_wrong_drone_reverts(
    world: dict[str, Any],
    create_drone: Any,
    registry: Any,
    server: Any,
    other_drone: Any,
    device: Any,
    drone: Any,
) -> None:
    create_drone(other_drone, authorized_by=server)
    with ape.reverts(registry.NotDeviceHub, caller=other_drone, device=device, hub=drone):
        registry.addDroneToDevice(device, other_drone, sender=other_drone)


def test_add_drone_to_device__to_unregistered_drone_reverts(
    world: dict[str, Any], registry: Any, drone: Any, device: Any, outsider: Any
) -> None:
    with ape.reverts(registry.DroneNotActive, drone=outsider):
        registry.addDroneToDevice(device, outsider, sender=drone)


def test_revoke_device__by_hub_or_agent(
    world: dict[str, Any],
    create_device: Any,
    registry: Any,
    agent: Any,
    drone: Any,
    device: Any,
    accounts: Any,
) -> None:
    tx = registry.revokeDevice(device, sender=drone)
    assert tx.events == [registry.DeviceRevoked(device, drone)]
    with ape.reverts(registry.DeviceNotActive, device=device):
        registry.submitTask(device, 1, 1, 0, sender=drone)
    second = create_device(accounts[8], hub=drone)
    registry.revokeDevice(second, sender=agent)
    assert registry.getDeviceInfo(second).membership == REVOKED


def test_revoke_device__others_revert(
    world: dict[str, Any], registry: Any, server: Any, device: Any, outsider: Any
) -> None:
    for caller in (server, outsider):
        with ape.reverts(registry.NotDeviceAuthority, caller=caller, device=device):
            registry.revokeDevice(device, sender=caller)
    registry.revokeDevice(device, sender=world["drone"])
    with ape.reverts(registry.DeviceNotActive, device=device):
        registry.revokeDevice(device, sender=world["drone"])


# ---------------------------------------------------------------- policies


def test_built_in_policies__are_ids_1_to_4(dmec: Any, registry: Any) -> None:
    assert registry.policyCount() == 4
    for policy in Policy:
        assert registry.getPolicy(int(policy)) == dmec.policies[policy].address
        assert dmec.policies[policy].name() == policy.label


def test_register_policy__a_fifth_policy_without_touching_the_registry(
    project: Any, registry: Any, agent: Any
) -> None:
    fifth = project.NearestPolicy.deploy(sender=agent)
    tx = registry.registerPolicy(fifth, sender=agent)
    assert registry.policyCount() == 5
    assert registry.getPolicy(5) == fifth.address
    assert tx.events == [registry.PolicyRegistered(5, fifth, "Nearest")]


def test_register_policy__rejects_non_contract_and_non_admin(
    registry: Any, agent: Any, outsider: Any, dmec: Any
) -> None:
    with ape.reverts(registry.PolicyNotContract, policy=outsider):
        registry.registerPolicy(outsider, sender=agent)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=outsider):
        registry.registerPolicy(dmec.policies[Policy.MCC], sender=outsider)


def test_reverts__another_error_is_not_the_expected_one(
    registry: Any, agent: Any, outsider: Any
) -> None:
    """`ape.reverts(Error)` means that error, decoded or not (tests/utils/reverts.py)."""
    wrong = "expected the custom error PolicyNotContract"
    # A decoded AccessControl error, then a view's undecoded UnknownPolicy.
    with pytest.raises(AssertionError, match=wrong), ape.reverts(registry.PolicyNotContract):
        registry.registerPolicy(outsider, sender=outsider)
    with pytest.raises(AssertionError, match=wrong), ape.reverts(registry.PolicyNotContract):
        registry.getPolicy(0)
    with ape.reverts(registry.UnknownPolicy):
        registry.getPolicy(0)


def test_get_policy__unknown_id_reverts(registry: Any) -> None:
    for policy_id in (0, 5, 255):
        with ape.reverts(registry.UnknownPolicy, policyId=policy_id):
            registry.getPolicy(policy_id)


def test_add_offloading_policy__by_hub(
    world: dict[str, Any], registry: Any, drone: Any, device: Any
) -> None:
    tx = registry.addOffloadingPolicy(device, int(Policy.MCC), sender=drone)
    assert registry.getDeviceInfo(device).policyId == int(Policy.MCC)
    assert tx.events == [registry.OffloadingPolicySet(device, int(Policy.MCC), drone)]


def test_add_offloading_policy__unknown_policy_or_wrong_drone_reverts(
    world: dict[str, Any],
    create_drone: Any,
    registry: Any,
    server: Any,
    drone: Any,
    other_drone: Any,
    device: Any,
) -> None:
    with ape.reverts(registry.UnknownPolicy, policyId=9):
        registry.addOffloadingPolicy(device, 9, sender=drone)
    create_drone(other_drone, authorized_by=server)
    with ape.reverts(registry.NotDeviceHub, caller=other_drone, device=device, hub=drone):
        registry.addOffloadingPolicy(device, 1, sender=other_drone)


@pytest.mark.parametrize("policy", list(Policy))
def test_query_offloading__is_free_and_matches_submission(
    world: dict[str, Any], registry: Any, drone: Any, device: Any, policy: Policy
) -> None:
    registry.addOffloadingPolicy(device, int(policy), sender=drone)
    predicted = registry.queryOffloading(device, 5_000, 100, 0)
    tx = registry.submitTask(device, 5_000, 100, 0, sender=drone)
    if policy is not Policy.RANDOM:  # Random depends on the block the transaction lands in
        assert tx.events[0].server == predicted
    assert predicted in [s.address for s in world["servers"]]
