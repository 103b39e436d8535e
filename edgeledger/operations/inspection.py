"""What the chain holds against what the deployment record says (`ape run check`).

Each check reads the chain only: every recorded contract's code (its hash, as recorded when
the deployment finished), each wiring step's effect (`Step.done`, the same test a resumed
deployment uses), the addresses the contracts were built with, every deploy parameter the
contracts keep (their immutables), and the admin of each contract that has one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from edgeledger.chain import code_hash_of
from edgeledger.deploy import POLICY_CONTRACTS, ROLES, DeployParameters, full_plan, role_hash
from edgeledger.errors import EdgeledgerError
from edgeledger.fresco.reputation import ScoreParameters

# The contracts with an admin (OpenZeppelin's AccessControlDefaultAdminRules).
ADMINISTERED = ("ReputationManager", "DroneMecRegistry", "CollaborationMarket")

# Each deploy parameter a contract keeps: (contract, getter, the parameter's value).
PARAMETERS: list[tuple[str, str, Callable[[DeployParameters], int]]] = [
    ("DroneMecRegistry", "TASK_TIMEOUT_S", lambda p: p.task_timeout_s),
    ("DelayAwarePolicy", "MEAN_RATE_KB_PER_S", lambda p: p.mean_rate_kb_per_s),
    ("ReputationManager", "WEIGHT", lambda p: p.scores.weight),
    ("ReputationManager", "INITIAL_SCORE", lambda p: p.scores.initial_score),
    ("ReputationManager", "RESET_SCORE", lambda p: p.scores.reset_score),
    ("ReputationManager", "MAX_INFLUENCE", lambda p: p.scores.max_influence),
    ("ReputationManager", "INFLUENCE_PERIOD_S", lambda p: p.scores.influence_period_s),
    ("CollaborationMarket", "COMPENSATION_BPS", lambda p: p.compensation_bps),
    ("CollaborationMarket", "MIN_BID_SCORE", lambda p: p.min_trusted_score),
    ("CollaborationMarket", "DETECTOR_BOND", lambda p: p.detector_bond_wei),
    ("CollaborationMarket", "MIN_SCORED_INCENTIVE", lambda p: p.min_scored_incentive_wei),
    ("CollaborationMarket", "MIN_SCORED_DEPOSIT", lambda p: p.min_scored_deposit_wei),
    ("CollaborationMarket", "MIN_WINDOW_S", lambda p: p.min_window_s),
    ("CollaborationMarket", "MAX_TERM_S", lambda p: p.max_term_s),
    ("ReputationAwarePolicy", "MIN_SCORE", lambda p: p.min_trusted_score),
    ("ProofOfWorkVerifier", "DIFFICULTY_BITS", lambda p: p.pow_difficulty_bits),
    ("QuorumVerifier", "QUORUM", lambda p: p.quorum),
] + [(name, "defaultAdminDelay", lambda p: p.admin_delay_s) for name in ADMINISTERED]

# The addresses each contract was built with: (contract, getter, the contract it names).
LINKS = [
    ("DroneMecRegistry", "REPUTATION", "ReputationManager"),
    ("CollaborationMarket", "REPUTATION", "ReputationManager"),
    ("ReputationAwarePolicy", "REPUTATION", "ReputationManager"),
    ("ReputationAwarePolicy", "INNER", "DelayAwarePolicy"),
]


@dataclass(frozen=True)
class Finding:
    what: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.what}: {self.detail}"


def _read(contract: Any, getter: str, *arguments: Any) -> Any:
    """`getter` of `contract`, or a word saying why it cannot be read (a record that names
    another contract there): a failed check, never a traceback."""
    try:
        return getattr(contract, getter)(*arguments)
    except Exception as error:
        return f"nothing readable ({type(error).__name__})"


def parameters_of(record: Mapping[str, Any]) -> DeployParameters:
    try:
        recorded = dict(record["parameters"])
        scores = ScoreParameters(**recorded.pop("scores"))
        return DeployParameters(scores=scores, **recorded)
    except (KeyError, TypeError) as error:
        raise EdgeledgerError(
            f"the record's parameters are not this version's ({error}); check it with the "
            "checkout that deployed it"
        ) from None


def _same(what: str, expected: Any, actual: Any) -> Finding:
    if str(expected).lower() == str(actual).lower():
        return Finding(what, True, str(actual))
    return Finding(what, False, f"the chain has {actual}, the record says {expected}")


def inspect(
    record: Mapping[str, Any], chain_id: int, admin: str, pending_admin: str | None = None
) -> Iterator[Finding]:
    """Every check of the deployment `record` against the connected chain (id `chain_id`),
    whose contracts should all have `admin` as their admin, and no handover in progress but
    to `pending_admin` (a handover begun is the one moment an admin can still stop a stolen
    key's)."""
    from ape import project

    yield _same("chain id", record["chain_id"], chain_id)
    parameters = parameters_of(record)
    plan = full_plan(parameters)
    contracts, types = record["contracts"], record.get("contract_types", {})
    known = {step.contract_type for step in plan if step.deploys}
    unknown = sorted(name for name in contracts if types.get(name) not in known)
    if unknown:
        raise EdgeledgerError(f"the record names contracts of no known type: {unknown}")
    hashes = record.get("code_hashes", {})
    placed: dict[str, Any] = {}
    for name, address in contracts.items():
        actual = code_hash_of(address)
        finding = _same(f"code of {name} at {address}", hashes.get(name, "not recorded"), actual)
        yield finding
        if finding.ok:
            placed[name] = getattr(project, types[name]).at(address)
    if len(placed) < len(contracts):
        return  # the rest reads contracts: meaningless at an address without their code
    for step in plan:
        if step.done is not None:
            done = _read(step, "done", placed)
            said = {True: "done", False: "not on chain"}.get(done, str(done))
            yield Finding(f"wired: {step.name}", done is True, said)
    registry = placed["DroneMecRegistry"]
    for policy, (name, _) in POLICY_CONTRACTS.items():
        actual = _read(registry, "getPolicy", policy)
        yield _same(f"registry policy {int(policy)}", contracts[name], actual)
    for holder, getter, named in LINKS:
        yield _same(f"{holder}.{getter}", contracts[named], _read(placed[holder], getter))
    for holder, getter, value in PARAMETERS:
        yield _same(f"{holder}.{getter}", value(parameters), _read(placed[holder], getter))
    for name in ADMINISTERED:
        contract = placed[name]
        yield _same(f"admin of {name}", admin, _read(contract, "defaultAdmin"))
        pending = _read(contract, "pendingDefaultAdmin")
        if isinstance(pending, str) or int(str(pending[0]), 16) != 0:
            to = pending if isinstance(pending, str) else str(pending[0])
            yield _same(f"handover of {name} in progress to", pending_admin or "none", to)
        held = [
            role for role in ROLES if _read(contract, "hasRole", role_hash(role), admin) is True
        ]
        yield Finding(f"roles the admin holds in {name}", True, ", ".join(held) or "none")
