"""Named actors and factories shared by every test (ape resets the chain between tests)."""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ape
import pytest
from ape.exceptions import ContractLogicError, CustomError
from ape.pytest.contextmanagers import RevertsContextManager
from eth_utils import keccak
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, run_state_machine_as_test

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
from edgeledger.reports import markdown_table, replace_section


class _NamedErrorReverts(RevertsContextManager):
    """`ape.reverts(contract.SomeError)` that holds: ape's own accepts any revert that does not
    decode to a custom error (an empty revert, a failed call, a panic), so a test expecting
    `PolicyNotContract` passed when that check was gone and a later call reverted instead
    (mutation testing found it). Here the revert must be that error: decoded by name, or, where
    ape leaves it undecoded (views, constructors), by its 4-byte selector in the revert data."""

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> bool:
        expected = self.expected_message
        if (
            isinstance(expected, type)
            and issubclass(expected, CustomError)
            and isinstance(exc_value, ContractLogicError)
            and type(exc_value).__name__ != expected.__name__
            and _selector_of(exc_value) != keccak(text=expected.abi.selector)[:4].hex()
        ):
            raise AssertionError(
                f"expected the custom error {expected.__name__}, "
                f"got {type(exc_value).__name__}: {exc_value}"
            ) from exc_value
        return bool(super().__exit__(exc_type, exc_value, traceback))


def _selector_of(error: Any) -> str | None:
    """The 4-byte selector of a revert ape did not decode (`custom error 0x...` or raw data)."""
    match = re.search(r"0x([0-9a-fA-F]{8})", str(getattr(error, "revert_message", "") or ""))
    return match.group(1).lower() if match else None


@pytest.fixture(scope="session", autouse=True)
def _strict_reverts() -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ape, "reverts", _NamedErrorReverts)
        yield


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


# Per state machine: sequences (examples) and steps (rule calls) that ran this session.
STATEFUL_RUNS: dict[str, Counter[str]] = defaultdict(Counter)


@pytest.fixture(scope="session")
def stateful() -> Callable[[type[RuleBasedStateMachine], int, int], None]:
    """Runs a chain state machine (each example restores its own snapshot) without
    deadlines: every step is a transaction over RPC. Counts what ran (STATEFUL_RUNS)."""

    def run(machine: type[RuleBasedStateMachine], examples: int, steps: int) -> None:
        counts = STATEFUL_RUNS[machine.__name__]

        class Counted(machine):  # type: ignore[valid-type, misc]
            def __init__(self) -> None:
                super().__init__()
                counts["sequences"] += 1

            @invariant()
            def count_steps(self) -> None:
                # Invariants run once after the set-up and once after every rule.
                counts["checks"] += 1

        Counted.__name__ = machine.__name__
        run_state_machine_as_test(
            Counted,
            settings=settings(
                max_examples=examples,
                stateful_step_count=steps,
                deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            ),
        )

    return run


# Per CLI: how generated command lines ended (reached the work, refused, usage error, done).
CLI_OUTCOMES: dict[str, Counter[str]] = defaultdict(Counter)
OUTCOMES = ("reached", "refused", "usage", "done")


@pytest.fixture(scope="session")
def cli_outcomes() -> dict[str, Counter[str]]:
    return CLI_OUTCOMES


def stateful_summary() -> list[tuple[str, int, int]]:
    """(machine, sequences, steps) for every state machine that ran."""
    return [
        (name, c["sequences"], c["checks"] - c["sequences"])
        for name, c in sorted(STATEFUL_RUNS.items())
    ]


def _written_by_make_fuzz(exitstatus: int) -> str:
    return (
        f"Written by `make fuzz` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; pytest exit "
        f"status {exitstatus} ({'all passed' if exitstatus == 0 else 'FAILED'})."
    )


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int) -> None:
    """How generated command lines ended per CLI, and how many random sequences and steps each
    contract state machine survived; with EDGELEDGER_FUZZ_REPORT=<file> (`make fuzz`), each
    also written there as a markdown section."""
    report = os.environ.get("EDGELEDGER_FUZZ_REPORT")
    if CLI_OUTCOMES:
        header = ["command line", "generated", *OUTCOMES]
        table = [
            (f"`ape run {cli}`", sum(c.values()), *(c[o] for o in OUTCOMES))
            for cli, c in sorted(CLI_OUTCOMES.items())
        ]
        terminalreporter.section("generated command lines")
        for row in table:
            terminalreporter.write_line(
                ", ".join(f"{h} {v}" for h, v in zip(header, row, strict=True))
            )
        if report:
            body = "\n".join(
                [
                    _written_by_make_fuzz(exitstatus),
                    "Hypothesis command lines and generated input "
                    "files (tests/e2e/test_cli_fuzz.py): each reached the command's work, or "
                    "was refused with one `error:` line (exit 1) or click's one `Error:` line "
                    "(exit 2); no traceback, no other exception.",
                    "",
                    markdown_table(header, table),
                ]
            )
            replace_section(Path(report), "Reliability", "Bad input to the CLIs", body)
    rows = stateful_summary()
    if not rows:
        return
    terminalreporter.section("state machines")
    for name, sequences, steps in rows:
        terminalreporter.write_line(f"{name}: {sequences} sequences, {steps} steps")
    if report:
        body = "\n".join(
            [
                _written_by_make_fuzz(exitstatus),
                "Each sequence starts from a chain snapshot; each step is one rule (one or more",
                "transactions) whose outcome, custom error included, the model predicted.",
                "",
                markdown_table(
                    ["state machine", "sequences", "steps"],
                    [(name, f"{sequences:,}", f"{steps:,}") for name, sequences, steps in rows],
                ),
            ]
        )
        replace_section(Path(report), "Reliability", "Stateful fuzzing", body)


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
