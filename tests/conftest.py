"""Named actors and factories shared by every test (ape resets the chain between tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest
from hypothesis.stateful import RuleBasedStateMachine
from utils.reverts import NamedErrorReverts
from utils.stateful import run_stateful

from edgeledger.deploy import (
    REPUTATION_AWARE_POLICY_ID,
    Deployment,
    admit_edge_server,
    deploy_all,
    deploy_blockedge,
    deploy_dmec,
    deploy_reputation,
)
from edgeledger.dmec.policies import Policy

pytest_plugins = ["utils.reliability_report"]


@pytest.fixture(scope="session", autouse=True)
def _strict_reverts() -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ape, "reverts", NamedErrorReverts)
        yield


@pytest.fixture(scope="session")
def stateful() -> Callable[[type[RuleBasedStateMachine], int, int], None]:
    """`stateful(Machine, examples, steps)`: run_stateful as a fixture."""
    return run_stateful


@pytest.fixture(scope="session")
def agent(accounts: Any) -> Any:
    """Deploys the contracts and admits MEC servers."""
    return accounts[0]


@pytest.fixture(scope="session")
def server(accounts: Any) -> Any:
    return accounts[1]


@pytest.fixture(scope="session")
def other_server(accounts: Any) -> Any:
    return accounts[2]


@pytest.fixture(scope="session")
def drone(accounts: Any) -> Any:
    return accounts[3]


@pytest.fixture(scope="session")
def other_drone(accounts: Any) -> Any:
    return accounts[4]


@pytest.fixture(scope="session")
def device(accounts: Any) -> Any:
    """An IoT device: an address its drone acts for; it never sends a transaction."""
    return accounts[5]


@pytest.fixture(scope="session")
def reporter(accounts: Any) -> Any:
    """Holds REPORTER_ROLE on the reputation contract: measures task outcomes."""
    return accounts[8]


@pytest.fixture(scope="session")
def outsider(accounts: Any) -> Any:
    """Holds no role anywhere."""
    return accounts[9]


@pytest.fixture(scope="session")
def dmec(agent: Any) -> Deployment:
    return deploy_dmec(agent)


@pytest.fixture(scope="session")
def registry(dmec: Deployment) -> Any:
    return dmec.registry


@pytest.fixture(scope="session")
def create_server(registry: Any, agent: Any) -> Callable[..., Any]:
    def create(account: Any, x: int = 0, y: int = 0, capacity_mcps: int = 10_000) -> Any:
        registry.registerServer(account, x, y, capacity_mcps, sender=agent)
        return account

    return create


@pytest.fixture(scope="session")
def create_drone(registry: Any) -> Callable[..., Any]:
    def create(account: Any, authorized_by: Any, x: int = 0, y: int = 0) -> Any:
        registry.registerDrone(account, x, y, sender=authorized_by)
        return account

    return create


@pytest.fixture(scope="session")
def create_device(registry: Any) -> Callable[..., Any]:
    def create(account: Any, hub: Any, policy: Policy | None = Policy.NEAREST) -> Any:
        registry.registerDevice(account, sender=hub)
        if policy is not None:
            registry.addOffloadingPolicy(account, int(policy), sender=hub)
        return account

    return create


@pytest.fixture
def world(
    create_server: Callable[..., Any],
    create_drone: Callable[..., Any],
    create_device: Callable[..., Any],
    server: Any,
    other_server: Any,
    accounts: Any,
    drone: Any,
    device: Any,
) -> dict[str, Any]:
    """Three servers, one drone at the origin, one device under the Nearest policy.

    `server` is nearest to the drone; `third` has the largest capacity.
    """
    third = accounts[6]
    create_server(server, x=100, y=0, capacity_mcps=10_000)
    create_server(other_server, x=500, y=500, capacity_mcps=20_000)
    create_server(third, x=-1_000, y=2_000, capacity_mcps=40_000)
    create_drone(drone, authorized_by=server)
    create_device(device, hub=drone)
    return {"servers": [server, other_server, third], "drone": drone, "device": device}


@pytest.fixture(scope="session")
def reputation(agent: Any, reporter: Any) -> Any:
    """FRESCO's ReputationManager with the paper's parameters; `agent` admits nodes."""
    contract = deploy_reputation(agent)
    contract.grantRole(contract.REPORTER_ROLE(), reporter, sender=agent)
    return contract


@pytest.fixture(scope="session")
def blockedge(agent: Any) -> tuple[Any, dict[str, Any]]:
    """BlockEdge's market (half of a slashed deposit to the requester) and its verifiers."""
    return deploy_blockedge(agent)


@pytest.fixture(scope="session")
def market(blockedge: tuple[Any, dict[str, Any]]) -> Any:
    return blockedge[0]


@pytest.fixture(scope="session")
def verifiers(blockedge: tuple[Any, dict[str, Any]]) -> dict[str, Any]:
    return blockedge[1]


@pytest.fixture(scope="session")
def requester(accounts: Any) -> Any:
    """Posts a collaborative task and pays its incentive."""
    return accounts[10]


@pytest.fixture(scope="session")
def bidders(accounts: Any) -> list[Any]:
    """Edge nodes that bid for tasks, staking deposits."""
    return [accounts[11], accounts[12], accounts[13]]


@pytest.fixture(scope="session")
def detectors(accounts: Any) -> list[Any]:
    """Edge nodes that recompute results and report through commit-reveal."""
    return [accounts[14], accounts[15], accounts[16]]


# ---------------------------------------------------------------- one edge, one identity


@pytest.fixture(scope="session")
def edge(agent: Any, reporter: Any) -> Deployment:
    deployment = deploy_all(agent)
    reputation = deployment.reputation
    reputation.grantRole(reputation.REPORTER_ROLE(), reporter, sender=agent)
    return deployment


@pytest.fixture
def edge_world(edge: Deployment, agent: Any, accounts: Any, drone: Any) -> dict[str, Any]:
    """Three edge servers that are reputation nodes and DMEC servers; one drone at the
    origin; two devices under the reputation-aware policy. `big` has the largest capacity and
    is the nearest, so every inner DelayAware choice falls on it while it is trusted."""
    small, medium, big = accounts[1], accounts[2], accounts[6]
    admit_edge_server(edge, agent, small, 900, 0, 10_000)
    admit_edge_server(edge, agent, medium, 500, 500, 20_000)
    admit_edge_server(edge, agent, big, 100, 0, 40_000)
    edge.registry.registerDrone(drone, 0, 0, sender=small)
    devices = [accounts[5], accounts[7]]
    for device in devices:
        edge.registry.registerDevice(device, sender=drone)
        edge.registry.addOffloadingPolicy(device, REPUTATION_AWARE_POLICY_ID, sender=drone)
    return {"small": small, "medium": medium, "big": big, "drone": drone, "devices": devices}
