"""Deploying edgeledger: every contract in dependency order, roles wired, a record on disk.

`scripts/deploy.py` is a thin CLI over this module; tests and replays call it directly.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
            contracts[f"{policy.label}Policy"] = instance
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
    from ape import project

    parameters = parameters or DeployParameters()
    policy_contracts = {
        Policy.RANDOM: project.RandomPolicy,
        Policy.NEAREST: project.NearestPolicy,
        Policy.MCC: project.MaxCapacityPolicy,
        Policy.DELAY_AWARE: project.DelayAwarePolicy,
    }
    policies = {}
    for policy in Policy:
        args = [parameters.mean_rate_kb_per_s] if policy is Policy.DELAY_AWARE else []
        policies[policy] = policy_contracts[policy].deploy(*args, sender=sender)
    # The registry takes them as its built-in policies, ids 1..4 in Policy order.
    registry = project.DroneMecRegistry.deploy(
        parameters.task_timeout_s,
        [policies[p].address for p in Policy],
        _address_or_zero(reputation),
        parameters.admin_delay_s,
        sender=sender,
    )
    return Deployment(
        registry=registry, policies=policies, parameters=parameters, reputation=reputation
    )


def _address_or_zero(contract: Any) -> str:
    return str(contract.address) if contract is not None else ZERO_ADDRESS


def deploy_reputation(
    sender: Any, scores: ScoreParameters | None = None, admin_delay_s: int | None = None
) -> Any:
    """Deploy FRESCO's ReputationManager; `sender` becomes its admin and agent."""
    from ape import project

    scores = scores or ScoreParameters()
    delay = DeployParameters.admin_delay_s if admin_delay_s is None else admin_delay_s
    return project.ReputationManager.deploy(
        scores.weight,
        scores.initial_score,
        scores.reset_score,
        scores.max_influence,
        scores.influence_period_s,
        delay,
        sender=sender,
    )


def deploy_blockedge(
    sender: Any, parameters: DeployParameters | None = None, reputation: Any = None
) -> tuple[Any, dict[str, Any]]:
    """Deploy BlockEdge's market and its two verifiers; with a `reputation` manager, bidders
    need a score and winners' outcomes go to it (`deploy_all` wires it)."""
    from ape import project

    parameters = parameters or DeployParameters()
    market = project.CollaborationMarket.deploy(
        (
            parameters.compensation_bps,
            _address_or_zero(reputation),
            parameters.min_trusted_score,
            parameters.detector_bond_wei,
            parameters.min_scored_incentive_wei,
            parameters.min_scored_deposit_wei,
            parameters.min_window_s,
            parameters.max_term_s,
            parameters.admin_delay_s,
        ),
        sender=sender,
    )
    verifiers = {
        "ProofOfWork": project.ProofOfWorkVerifier.deploy(
            parameters.pow_difficulty_bits, sender=sender
        ),
        "Quorum": project.QuorumVerifier.deploy(parameters.quorum, sender=sender),
    }
    # Requests may name only verifiers the verifier admin listed.
    for verifier in verifiers.values():
        market.listVerifier(verifier, sender=sender)
    return market, verifiers


def deploy_all(sender: Any, parameters: DeployParameters | None = None) -> Deployment:
    """Deploy every edgeledger contract in dependency order and wire them to one identity:
    the reputation manager first; the registry and the market reporting outcomes to it (its
    OUTCOME_SOURCE_ROLE); the reputation-aware policy as the registry's policy 5 (through
    `registerPolicy`, as any later policy). `sender` is admin and agent everywhere."""
    from ape import project

    parameters = parameters or DeployParameters()
    reputation = deploy_reputation(sender, parameters.scores, parameters.admin_delay_s)
    deployment = deploy_dmec(sender, parameters, reputation)
    deployment.market, deployment.verifiers = deploy_blockedge(sender, parameters, reputation)
    source_role = reputation.OUTCOME_SOURCE_ROLE()
    for source in (deployment.registry, deployment.market):
        reputation.grantRole(source_role, source, sender=sender)
    deployment.reputation_aware_policy = project.ReputationAwarePolicy.deploy(
        reputation,
        deployment.policies[Policy.DELAY_AWARE],
        parameters.min_trusted_score,
        sender=sender,
    )
    deployment.registry.registerPolicy(deployment.reputation_aware_policy, sender=sender)
    return deployment


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
    """Refuse, before anything is broadcast, to overwrite a record without `force`."""
    path = record_path(chain_id, directory)
    if not path.exists():
        return path
    recorded_chain = _load_record(path, "move it away or pass --force")["chain_id"]
    if recorded_chain != chain_id:
        raise EdgeledgerError(
            f"{path} records chain {recorded_chain}, not {chain_id}; "
            "move it away or pass --force to replace it"
        )
    if not force:
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
    directory.mkdir(parents=True, exist_ok=True)
    path = record_path(chain_id, directory)
    with tempfile.NamedTemporaryFile("w", dir=directory, delete=False, suffix=".tmp") as handle:
        json.dump(record, handle, indent=2)
        handle.write("\n")
    os.replace(handle.name, path)
    return path
