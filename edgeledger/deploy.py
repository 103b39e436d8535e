"""Deploying edgeledger: every contract in dependency order, roles wired, a record on disk.

`scripts/deploy.py` is a thin CLI over this module; tests and replays call it directly.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_utils import keccak

from edgeledger.dmec.policies import Policy
from edgeledger.errors import EdgeledgerError
from edgeledger.fresco.reputation import ScoreParameters

ZERO_ADDRESS = "0x" + "00" * 20
DEPLOYMENTS_DIR = Path(__file__).resolve().parent.parent / "deployments"


@dataclass(frozen=True)
class DeployParameters:
    """Deployment-time choices; each is documented in the README."""

    # Seconds a MEC server has to answer a task before the drone may reassign it.
    task_timeout_s: int = 60
    # DelayAware's mean drone-to-server transmission rate r̄: 2,500 KB/s is 20 Mbit/s.
    mean_rate_kb_per_s: int = 2_500
    # FRESCO's w, initial and reset score on the contract's scale of 1,000.
    scores: ScoreParameters = field(default_factory=ScoreParameters)
    # BlockEdge: the requester's share of a slashed deposit (the rest rewards the detectors).
    compensation_bps: int = 5_000
    # BlockEdge's proof-of-work task: leading zero bits (12: ~4,096 hashes, well under 1 s).
    pow_difficulty_bits: int = 12
    # BlockEdge's quorum verifier: guilty verdicts that prove a misbehaviour.
    quorum: int = 2
    # One identity: the lowest reputation score (of 1,000) that the reputation-aware policy
    # trusts and the market lets bid. Below the initial 500, so a new server is trusted; a
    # server that answered well (≈ 900) drops under it after three straight failures.
    min_trusted_score: int = 400
    # Every contract: a handover of the admin role waits this long (two steps, OpenZeppelin's
    # AccessControlDefaultAdminRules), so a stolen or mistaken handover can be seen and undone.
    admin_delay_s: int = 86_400
    # BlockEdge: what each detector stakes with its commitment; the verdict's losing side (and
    # whoever does not reveal) forfeits it to the winning side.
    detector_bond_wei: int = 10**17
    # BlockEdge, wired: a finalized request moves its winner's score only with at least this
    # incentive and this deposit (a round that stakes nothing proves nothing).
    min_scored_incentive_wei: int = 10**16
    min_scored_deposit_wei: int = 10**17
    # BlockEdge terms: the shortest verification window (two 12 s blocks: the commit half and
    # the reveal half must each hold one) and the longest term anyone may set (30 days).
    min_window_s: int = 24
    max_term_s: int = 30 * 86_400


# The policy id `deploy_all` gives the reputation-aware policy (after the four built-ins).
REPUTATION_AWARE_POLICY_ID = len(Policy) + 1

# Every role of the contracts besides each one's admin (DEFAULT_ADMIN_ROLE, 0x00...).
ROLES = (
    "AGENT_ROLE",
    "REPORTER_ROLE",
    "OUTCOME_SOURCE_ROLE",
    "POLICY_ADMIN_ROLE",
    "PAUSER_ROLE",
    "VERIFIER_ADMIN_ROLE",
)


def role_hash(role: str) -> str:
    """A role's id as the contracts define it (keccak256 of its name): known without asking
    the chain."""
    return "0x" + keccak(text=role).hex()


# The reputation manager's role for the contracts whose outcomes move scores.
OUTCOME_SOURCE_ROLE = role_hash("OUTCOME_SOURCE_ROLE")

# The record's name of each built-in policy's contract (MCCPolicy is MaxCapacityPolicy).
POLICY_CONTRACTS = {
    Policy.RANDOM: ("RandomPolicy", "RandomPolicy"),
    Policy.NEAREST: ("NearestPolicy", "NearestPolicy"),
    Policy.MCC: ("MCCPolicy", "MaxCapacityPolicy"),
    Policy.DELAY_AWARE: ("DelayAwarePolicy", "DelayAwarePolicy"),
}


def _nothing(_: Mapping[str, Any]) -> tuple[Any, ...]:
    return ()


@dataclass(frozen=True)
class Step:
    """One transaction of a deployment: a contract of `contract_type` deployed and known by
    `name`, or (with `method`) a call of `method` on the contract known by `target`.
    `arguments` builds the arguments from the contracts deployed before it (by name); a call's
    `done` says whether the chain already shows its effect, so that a resumed deployment
    never sends it twice."""

    name: str
    contract_type: str = ""
    target: str = ""
    method: str = ""
    arguments: Callable[[Mapping[str, Any]], tuple[Any, ...]] = _nothing
    done: Callable[[Mapping[str, Any]], bool] | None = None

    @property
    def deploys(self) -> bool:
        return bool(self.contract_type)


def _address_or_zero(contract: Any) -> str:
    return str(contract.address) if contract is not None else ZERO_ADDRESS


def reputation_steps(parameters: DeployParameters) -> list[Step]:
    scores = parameters.scores
    return [
        Step(
            "ReputationManager",
            "ReputationManager",
            arguments=lambda _: (
                scores.weight,
                scores.initial_score,
                scores.reset_score,
                scores.max_influence,
                scores.influence_period_s,
                parameters.admin_delay_s,
            ),
        )
    ]


def dmec_steps(parameters: DeployParameters) -> list[Step]:
    """The four policies, then the registry with them as its policies 1..4 (in Policy order),
    reporting outcomes to the reputation manager if one was deployed before."""
    steps = [
        Step(
            name,
            kind,
            arguments=(lambda _: (parameters.mean_rate_kb_per_s,))
            if policy is Policy.DELAY_AWARE
            else _nothing,
        )
        for policy, (name, kind) in POLICY_CONTRACTS.items()
    ]
    steps.append(
        Step(
            "DroneMecRegistry",
            "DroneMecRegistry",
            arguments=lambda placed: (
                parameters.task_timeout_s,
                [placed[name].address for name, _ in POLICY_CONTRACTS.values()],
                _address_or_zero(placed.get("ReputationManager")),
                parameters.admin_delay_s,
            ),
        )
    )
    return steps


def blockedge_steps(parameters: DeployParameters) -> list[Step]:
    """The market (bidders need a score when a reputation manager was deployed before), its
    two verifiers, and both listed: requests may name only listed verifiers."""
    steps = [
        Step(
            "CollaborationMarket",
            "CollaborationMarket",
            arguments=lambda placed: (
                (
                    parameters.compensation_bps,
                    _address_or_zero(placed.get("ReputationManager")),
                    parameters.min_trusted_score,
                    parameters.detector_bond_wei,
                    parameters.min_scored_incentive_wei,
                    parameters.min_scored_deposit_wei,
                    parameters.min_window_s,
                    parameters.max_term_s,
                    parameters.admin_delay_s,
                ),
            ),
        ),
        Step(
            "ProofOfWorkVerifier",
            "ProofOfWorkVerifier",
            arguments=lambda _: (parameters.pow_difficulty_bits,),
        ),
        Step("QuorumVerifier", "QuorumVerifier", arguments=lambda _: (parameters.quorum,)),
    ]
    steps += [_listing(verifier) for verifier in ("ProofOfWorkVerifier", "QuorumVerifier")]
    return steps


def wiring_steps(parameters: DeployParameters) -> list[Step]:
    """One identity: the registry and the market report outcomes to the reputation manager;
    the reputation-aware policy becomes the registry's policy 5 (as any later policy would)."""
    steps = [_outcome_grant(source) for source in ("DroneMecRegistry", "CollaborationMarket")]
    steps.append(
        Step(
            "ReputationAwarePolicy",
            "ReputationAwarePolicy",
            arguments=lambda placed: (
                placed["ReputationManager"].address,
                placed["DelayAwarePolicy"].address,
                parameters.min_trusted_score,
            ),
        )
    )
    steps.append(
        Step(
            "register ReputationAwarePolicy",
            target="DroneMecRegistry",
            method="registerPolicy",
            arguments=lambda placed: (placed["ReputationAwarePolicy"].address,),
            done=lambda placed: (
                int(placed["DroneMecRegistry"].policyCount()) >= REPUTATION_AWARE_POLICY_ID
                and str(placed["DroneMecRegistry"].getPolicy(REPUTATION_AWARE_POLICY_ID))
                == str(placed["ReputationAwarePolicy"].address)
            ),
        )
    )
    return steps


def _listing(verifier: str) -> Step:
    """The market lists the verifier deployed as `verifier`."""

    def arguments(placed: Mapping[str, Any]) -> tuple[Any, ...]:
        return (placed[verifier].address,)

    def done(placed: Mapping[str, Any]) -> bool:
        return bool(placed["CollaborationMarket"].isListedVerifier(placed[verifier].address))

    return Step(
        f"list {verifier}",
        target="CollaborationMarket",
        method="listVerifier",
        arguments=arguments,
        done=done,
    )


def _outcome_grant(source: str) -> Step:
    """The reputation manager takes outcomes from the contract deployed as `source`."""

    def arguments(placed: Mapping[str, Any]) -> tuple[Any, ...]:
        return (OUTCOME_SOURCE_ROLE, placed[source].address)

    def done(placed: Mapping[str, Any]) -> bool:
        return bool(placed["ReputationManager"].hasRole(*arguments(placed)))

    return Step(
        f"grant outcomes to {source}",
        target="ReputationManager",
        method="grantRole",
        arguments=arguments,
        done=done,
    )


def full_plan(parameters: DeployParameters) -> list[Step]:
    """Every transaction of `deploy_all`, in order: what `ape run deploy` sends and records."""
    return (
        reputation_steps(parameters)
        + dmec_steps(parameters)
        + blockedge_steps(parameters)
        + wiring_steps(parameters)
    )


def run_steps(steps: list[Step], sender: Any, placed: dict[str, Any]) -> dict[str, Any]:
    """Send `steps` in order from `sender` (ape's way: each waits for its receipt), adding each
    deployed contract to `placed` by name. For tests and replays, which need no record."""
    from ape import project

    for step in steps:
        if step.deploys:
            container = getattr(project, step.contract_type)
            placed[step.name] = container.deploy(*step.arguments(placed), sender=sender)
        else:
            method = getattr(placed[step.target], step.method)
            method(*step.arguments(placed), sender=sender)
    return placed


@dataclass
class Deployment:
    """Deployed contract instances (ape ContractInstance objects)."""

    registry: Any
    policies: dict[Policy, Any] = field(default_factory=dict)
    parameters: DeployParameters = field(default_factory=DeployParameters)
    reputation: Any = None  # ReputationManager, when deployed
    market: Any = None  # CollaborationMarket, when deployed
    verifiers: dict[str, Any] = field(default_factory=dict)  # "ProofOfWork", "Quorum"
    reputation_aware_policy: Any = None  # policy REPUTATION_AWARE_POLICY_ID, when deployed

    @classmethod
    def of(cls, placed: Mapping[str, Any], parameters: DeployParameters) -> Deployment:
        """The deployment of the contracts in `placed` (by their names in the record)."""
        return cls(
            registry=placed.get("DroneMecRegistry"),
            policies={
                policy: placed[name]
                for policy, (name, _) in POLICY_CONTRACTS.items()
                if name in placed
            },
            parameters=parameters,
            reputation=placed.get("ReputationManager"),
            market=placed.get("CollaborationMarket"),
            verifiers={
                kind: placed[f"{kind}Verifier"]
                for kind in ("ProofOfWork", "Quorum")
                if f"{kind}Verifier" in placed
            },
            reputation_aware_policy=placed.get("ReputationAwarePolicy"),
        )

    def policy_ids(self) -> dict[str, int]:
        """The registry's policy ids by label, as drones pass them to addOffloadingPolicy."""
        ids = {policy.label: int(policy) for policy in self.policies}
        if self.reputation_aware_policy is not None:
            ids["ReputationAware"] = REPUTATION_AWARE_POLICY_ID
        return ids

    def instances(self) -> dict[str, Any]:
        """Every deployed contract by its name in the record."""
        contracts = {"DroneMecRegistry": self.registry}
        for policy, instance in self.policies.items():
            contracts[POLICY_CONTRACTS[policy][0]] = instance
        if self.reputation_aware_policy is not None:
            contracts["ReputationAwarePolicy"] = self.reputation_aware_policy
        if self.reputation is not None:
            contracts["ReputationManager"] = self.reputation
        if self.market is not None:
            contracts["CollaborationMarket"] = self.market
        for name, verifier in self.verifiers.items():
            contracts[f"{name}Verifier"] = verifier
        return contracts

    def addresses(self) -> dict[str, str]:
        return {name: str(c.address) for name, c in self.instances().items()}

    def contract_types(self) -> dict[str, str]:
        """The project's contract type of each recorded name (MCCPolicy is MaxCapacityPolicy)."""
        return {name: str(c.contract_type.name) for name, c in self.instances().items()}


def deploy_dmec(
    sender: Any, parameters: DeployParameters | None = None, reputation: Any = None
) -> Deployment:
    """Deploy the four policies, then the registry with them as its policies 1..4; with a
    `reputation` manager the registry reports task outcomes to it (`deploy_all` wires it)."""
    parameters = parameters or DeployParameters()
    placed = {"ReputationManager": reputation} if reputation is not None else {}
    return Deployment.of(run_steps(dmec_steps(parameters), sender, placed), parameters)


def deploy_reputation(
    sender: Any, scores: ScoreParameters | None = None, admin_delay_s: int | None = None
) -> Any:
    """Deploy FRESCO's ReputationManager; `sender` becomes its admin and agent."""
    defaults = DeployParameters()
    parameters = replace(
        defaults,
        scores=scores or defaults.scores,
        admin_delay_s=defaults.admin_delay_s if admin_delay_s is None else admin_delay_s,
    )
    return run_steps(reputation_steps(parameters), sender, {})["ReputationManager"]


def deploy_blockedge(
    sender: Any, parameters: DeployParameters | None = None, reputation: Any = None
) -> tuple[Any, dict[str, Any]]:
    """Deploy BlockEdge's market and its two verifiers, both listed; with a `reputation`
    manager, bidders need a score and winners' outcomes go to it (`deploy_all` wires it)."""
    parameters = parameters or DeployParameters()
    placed = {"ReputationManager": reputation} if reputation is not None else {}
    deployment = Deployment.of(run_steps(blockedge_steps(parameters), sender, placed), parameters)
    return deployment.market, deployment.verifiers


def deploy_all(sender: Any, parameters: DeployParameters | None = None) -> Deployment:
    """Deploy every edgeledger contract in dependency order and wire them to one identity
    (`full_plan`). `sender` is admin and agent everywhere."""
    parameters = parameters or DeployParameters()
    return Deployment.of(run_steps(full_plan(parameters), sender, {}), parameters)


def admit_edge_server(
    deployment: Deployment, agent: Any, server: Any, x_m: int, y_m: int, capacity_mcps: int
) -> None:
    """One identity: make `server` a reputation node, then a DMEC server (the registry admits
    only nodes). It may then bid in the market as well."""
    deployment.reputation.registerNode(server, sender=agent)
    deployment.registry.registerServer(server, x_m, y_m, capacity_mcps, sender=agent)


def record_path(chain_id: int, directory: Path = DEPLOYMENTS_DIR) -> Path:
    return directory / f"{chain_id}.json"


def check_can_record(chain_id: int, directory: Path = DEPLOYMENTS_DIR, force: bool = False) -> Path:
    """Refuse, before anything is broadcast, to overwrite a finished record without `force`
    (an unfinished one is resumed: `edgeledger.rollout`)."""
    path = record_path(chain_id, directory)
    if not path.exists():
        return path
    record = _load_record(path, "move it away")
    recorded_chain = record["chain_id"]
    if recorded_chain != chain_id:
        raise EdgeledgerError(
            f"{path} records chain {recorded_chain}, not {chain_id}; move it away"
        )
    if not force and record.get("complete", True):
        raise EdgeledgerError(
            f"chain {chain_id} already has a deployment in {path}; pass --force to deploy anew"
        )
    return path


def _load_record(path: Path, remedy: str) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text())
        if not isinstance(record["chain_id"], int):
            raise TypeError("chain_id is not a number")
    except (ValueError, KeyError, TypeError) as error:
        raise EdgeledgerError(f"{path} is not a deployment record ({error}); {remedy}") from None
    return dict(record)


def recorded(chain_id: int, directory: Path = DEPLOYMENTS_DIR, or_else: str = "") -> dict[str, Any]:
    """The deployment record of chain `chain_id`, checked to be one and of that chain;
    `or_else` completes the advice when there is none."""
    path = record_path(chain_id, directory)
    if not path.exists():
        raise EdgeledgerError(
            f"no deployment record for chain {chain_id} in {directory}; run `ape run deploy` "
            f"on this network first{or_else}"
        )
    record = _load_record(path, REDEPLOY)
    if record["chain_id"] != chain_id:
        raise EdgeledgerError(f"{path} records chain {record['chain_id']}, not {chain_id}")
    if not isinstance(record.get("contracts"), dict):
        raise EdgeledgerError(f"{path} has no contracts; {REDEPLOY}")
    if not record.get("complete", True):
        raise EdgeledgerError(
            f"the deployment in {path} is unfinished ({len(record.get('steps', []))} of "
            f"{len(full_plan(DeployParameters()))} steps); run `ape run deploy` again to finish it"
        )
    return record


REDEPLOY = "deploy again with `ape run deploy --force`"


def recorded_address(chain_id: int, contract: str, directory: Path = DEPLOYMENTS_DIR) -> str:
    """The address `ape run deploy` recorded for `contract` on chain `chain_id`."""
    record = recorded(chain_id, directory, f", or give the {contract} address")
    if contract not in record["contracts"]:
        path = record_path(chain_id, directory)
        raise EdgeledgerError(f"{path} has no {contract}; {REDEPLOY}")
    return str(record["contracts"][contract])


def write_record(
    deployment: Deployment,
    *,
    chain_id: int,
    network: str,
    deployer: str,
    directory: Path = DEPLOYMENTS_DIR,
) -> Path:
    """Write deployments/<chain-id>.json atomically (never half-written)."""
    record = {
        "chain_id": chain_id,
        "network": network,
        "deployer": deployer,
        "deployed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "contracts": deployment.addresses(),
        "contract_types": deployment.contract_types(),
        "policies": deployment.policy_ids(),
        "parameters": asdict(deployment.parameters),
    }
    path = record_path(chain_id, directory)
    write_json(path, record)
    return path


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write `data` to `path` atomically: a reader (or a crash) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
        # On disk before it counts: a deployment records a hash here before broadcasting it,
        # and a power cut must not leave the file without it.
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(handle.name, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
