"""The operator's day-to-day actions on a recorded deployment (`ape run admin`).

Each action is a short list of contract calls. Before each is sent, it is simulated from the
operator's account against the chain as it is (eth_call): what the contract would refuse is
said in one line, named by the contract's own custom error, and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from eth_utils import keccak

from edgeledger.chain import as_hex
from edgeledger.deploy import ROLES, role_hash
from edgeledger.errors import EdgeledgerError
from edgeledger.operations.inspection import ADMINISTERED

# The registry's Membership.Revoked (interfaces/IDroneMecRegistry.sol).
REVOKED = 2

# The reputation manager's role for FRESCO's reporters.
REPORTER_ROLE = role_hash("REPORTER_ROLE")

# Every role of the contracts by its id, so that a refusal names the role it needs.
ROLE_NAMES = {"0x" + "00" * 32: "DEFAULT_ADMIN_ROLE"} | {role_hash(name): name for name in ROLES}


@dataclass(frozen=True)
class Call:
    """`method(*arguments)` on the recorded contract `contract`."""

    contract: str
    method: str
    arguments: tuple[Any, ...] = ()
    # Whether the chain already shows the call's effect: then it is not sent.
    done: Callable[[Any], bool] | None = None
    # Whether it can only be simulated once the calls before it are mined (the others are all
    # simulated before anything is sent, so that an action is not left half done).
    after_previous: bool = False


def admit_server(server: str, x_m: int, y_m: int, capacity_mcps: int) -> list[Call]:
    """One identity: a reputation node first, then a DMEC server (`admit_edge_server`)."""
    return [
        Call(
            "ReputationManager",
            "registerNode",
            (server,),
            done=lambda reputation: bool(reputation.isRegistered(server)),
        ),
        Call(
            "DroneMecRegistry",
            "registerServer",
            (server, x_m, y_m, capacity_mcps),
            after_previous=True,  # the registry admits only a reputation node
        ),
    ]


def revoke_server(server: str) -> list[Call]:
    """Out of the registry, and no longer a reputation node (so it cannot bid either); its
    score stays, and outcomes about it still count."""
    return [
        Call(
            "DroneMecRegistry",
            "revokeServer",
            (server,),
            done=lambda registry: int(registry.getServerInfo(server).membership) == REVOKED,
        ),
        Call(
            "ReputationManager",
            "unregisterNode",
            (server,),
            done=lambda reputation: not reputation.isRegistered(server),
        ),
    ]


def grant_reporter(reporter: str) -> list[Call]:
    return [Call("ReputationManager", "grantRole", (REPORTER_ROLE, reporter))]


def revoke_reporter(reporter: str) -> list[Call]:
    return [Call("ReputationManager", "revokeRole", (REPORTER_ROLE, reporter))]


def list_verifier(verifier: str) -> list[Call]:
    return [Call("CollaborationMarket", "listVerifier", (verifier,))]


def delist_verifier(verifier: str) -> list[Call]:
    return [Call("CollaborationMarket", "delistVerifier", (verifier,))]


def begin_handover(new_admin: str) -> list[Call]:
    """The first step of moving every admin role to `new_admin` (a Safe, say); it accepts
    after the contracts' admin delay (`accept_handover`, sent from `new_admin`)."""
    return [Call(name, "beginDefaultAdminTransfer", (new_admin,)) for name in ADMINISTERED]


def accept_handover() -> list[Call]:
    return [Call(name, "acceptDefaultAdminTransfer") for name in ADMINISTERED]


def cancel_handover() -> list[Call]:
    return [Call(name, "cancelDefaultAdminTransfer") for name in ADMINISTERED]


def refusal(contract: Any, call: Call, sender: str) -> str | None:
    """What `contract` would revert with if `sender` sent `call` now (its custom error with
    arguments, or its message), or None if it would go through."""
    from ape import chain
    from web3.exceptions import ContractCustomError, ContractLogicError

    data = getattr(contract, call.method).encode_input(*call.arguments)
    request = {"from": sender, "to": str(contract.address), "data": as_hex(data)}
    try:
        chain.provider.web3.eth.call(request)
    except ContractCustomError as error:
        return describe_error(contract.contract_type, str(error.data))
    except ContractLogicError as error:
        if isinstance(error.data, str) and error.data.startswith("0x") and len(error.data) >= 10:
            return describe_error(contract.contract_type, error.data)
        return str(error.message or error)
    return None


def describe_error(contract_type: Any, data: str) -> str:
    """`Name(argument=value, ...)` for revert data of one of the contract's custom errors."""
    from eth_abi import decode

    selector, payload = data[:10].lower(), bytes.fromhex(data[10:])
    for error in contract_type.errors:
        if "0x" + keccak(text=error.selector).hex()[:8] != selector:
            continue
        types = [item.canonical_type for item in error.inputs]
        values = decode(types, payload)
        shown = ", ".join(
            f"{item.name}={_shown(value)}" for item, value in zip(error.inputs, values, strict=True)
        )
        return f"{error.name}({shown})"
    return f"an error the ABI does not name ({data[:10]})"


def _shown(value: Any) -> str:
    if isinstance(value, bytes):
        text = "0x" + value.hex()
        return ROLE_NAMES.get(text, text)
    return str(value)


def carry_out(
    calls: list[Call], placed: Mapping[str, Any], account: Any, echo: Callable[[str], None]
) -> None:
    """Send `calls` in order from `account`, each simulated first (see the module): all that
    can be before the first is sent, the others just before their turn."""
    sender = str(account.address)
    to_send = []
    for call in calls:
        contract = placed[call.contract]
        if call.done is not None and call.done(contract):
            echo(f"{call.contract}.{call.method}: already done, not sent")
            continue
        to_send.append(call)
        if not call.after_previous:
            _refuse_if_it_would_revert(contract, call, sender, [])
    sent: list[str] = []
    for call in to_send:
        contract = placed[call.contract]
        if call.after_previous:
            _refuse_if_it_would_revert(contract, call, sender, sent)
        receipt = getattr(contract, call.method)(*call.arguments, sender=account)
        sent.append(f"{call.contract}.{call.method}")
        echo(f"{sent[-1]}: block {receipt.block_number}, {receipt.txn_hash}")


def _refuse_if_it_would_revert(contract: Any, call: Call, sender: str, sent: list[str]) -> None:
    refused = refusal(contract, call, sender)
    if refused is not None:
        done = f"sent before it: {', '.join(sent)}" if sent else "nothing sent"
        raise EdgeledgerError(f"{call.contract}.{call.method} would revert with {refused}; {done}")
