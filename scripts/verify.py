"""`ape run verify --network <choice> --explorer <API URL>`: publish the recorded deployment's
sources to a block explorer (Etherscan's API, which Blockscout and others answer too).

For each contract in the deployment record (`ape run deploy`): the transaction that created it
(the node's `ots_getContractCreator`, which anvil and Erigon answer, else the explorer's
`getcontractcreation`), then the request `edgeledger.verify` builds from this checkout (every
source the contract imports, the project's compiler settings, the constructor's arguments), sent
and its verdict awaited. `--dry-run` writes the requests to `--out` instead and sends nothing.
The API key comes from ETHERSCAN_API_KEY (the environment, never a file). Every refusal is one
line on stderr and a non-zero exit; a contract the explorer rejects is named, after the others.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import click

from edgeledger.chain import connected, node_chain_id
from edgeledger.cli import deployments_dir_option, network_choice_option
from edgeledger.deploy import DEPLOYMENTS_DIR, record_path, recorded
from edgeledger.errors import EdgeledgerError, exit_on_user_error, first_line
from edgeledger.verify import Submission, submission

API_KEY_ENV = "ETHERSCAN_API_KEY"
VERIFIED = ("Pass - Verified", "Already Verified", "Contract source code already verified")


def _recorded_types(record: dict[str, Any], path: Path) -> dict[str, str]:
    """Each recorded contract's name and its contract type in this project."""
    from ape import project

    kinds = record.get("contract_types") or {}
    types = {name: str(kinds.get(name, name)) for name in record["contracts"]}
    for name, kind in sorted(types.items()):
        if kind not in project.contracts:
            raise EdgeledgerError(
                f"{path} names {name}, which is no contract type of this project (a record "
                "written before contract_types: deploy again, or give --contract)"
            )
    return dict(sorted(types.items()))


class Explorer:
    """An Etherscan-style verification API at `url` for chain `chain_id`."""

    def __init__(self, url: str, chain_id: int, timeout_s: float) -> None:
        self.url, self.chain_id, self.timeout_s = url, chain_id, timeout_s
        self.key = os.environ.get(API_KEY_ENV, "")

    def _ask(self, fields: dict[str, str], post: bool = False) -> Any:
        import requests

        # Etherscan's v2 API takes the chain in the query, also for a POST.
        query = {"chainid": str(self.chain_id), "apikey": self.key}
        try:
            if post:
                answer = requests.post(self.url, params=query, data=fields, timeout=60)
            else:
                answer = requests.get(self.url, params={**query, **fields}, timeout=60)
            body = answer.json()
        except (requests.RequestException, ValueError) as error:
            said = str(error).replace(self.key, "<ETHERSCAN_API_KEY>") if self.key else str(error)
            raise EdgeledgerError(f"the explorer at {self.url} did not answer: {said}") from None
        if not isinstance(body, dict) or "result" not in body:
            raise EdgeledgerError(f"the explorer at {self.url} gave no result: {body!r:.200}")
        return body

    def creation(self, address: str) -> str:
        body = self._ask(
            {"module": "contract", "action": "getcontractcreation", "contractaddresses": address}
        )
        if body.get("status") != "1" or not body["result"]:
            raise EdgeledgerError(f"neither the node nor the explorer knows who created {address}")
        return str(body["result"][0]["txHash"])

    def verify(self, request: Submission, address: str) -> str:
        """Send `request` and wait for the explorer's verdict (its text)."""
        body = self._ask(request.form(address), post=True)
        if body.get("status") != "1":
            return str(body["result"])
        guid, deadline = str(body["result"]), time.monotonic() + self.timeout_s
        while True:
            status = self._ask({"module": "contract", "action": "checkverifystatus", "guid": guid})
            verdict = str(status["result"])
            if not verdict.startswith("Pending"):
                return verdict
            if time.monotonic() > deadline:
                return f"{verdict} (still, after {self.timeout_s:g} s: ask again later)"
            time.sleep(2)


def _creation_tx(address: str, explorer: Explorer | None) -> str:
    from ape import chain

    answer = chain.provider.web3.provider.make_request("ots_getContractCreator", [address])
    if answer.get("result"):
        return str(answer["result"]["hash"])
    if explorer is None:
        raise EdgeledgerError(
            f"the node cannot say which transaction created {address} (no ots_getContractCreator); "
            "give --explorer, which can"
        )
    return explorer.creation(address)


@click.command()
@network_choice_option(
    "ethereum:local:http://127.0.0.1:8545",
    "An ape network choice where the deployment lives (a node URI works too).",
)
@click.option("--explorer", "explorer_url", help="The explorer's API URL (Etherscan-style).")
@click.option("--contract", "names", multiple=True, help="Only these contracts (repeatable).")
@click.option("--dry-run", is_flag=True, help="Write the requests to --out; send nothing.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results/verify"),
    show_default=True,
    help="Folder for the requests of --dry-run.",
)
@click.option("--wait-s", default=300.0, show_default=True, help="How long to await a verdict.")
@deployments_dir_option(DEPLOYMENTS_DIR)
@exit_on_user_error
def cli(
    network_choice: str,
    explorer_url: str | None,
    names: tuple[str, ...],
    dry_run: bool,
    out: Path,
    wait_s: float,
    deployments_dir: Path,
) -> None:
    if not dry_run and not explorer_url:
        raise EdgeledgerError("give --explorer <API URL>, or --dry-run to write the requests")
    with connected(network_choice):
        from ape import chain

        chain_id = node_chain_id()
        record = recorded(chain_id, deployments_dir)
        types = _recorded_types(record, record_path(chain_id, deployments_dir))
        unknown = sorted(set(names) - set(types))
        if unknown:
            raise EdgeledgerError(f"not in the record: {', '.join(unknown)}; it has {list(types)}")
        explorer = Explorer(explorer_url, chain_id, wait_s) if explorer_url else None
        rejected = []
        for name in names or types:
            address = str(record["contracts"][name])
            tx_hash = _creation_tx(address, explorer)
            sent = bytes(chain.provider.web3.eth.get_transaction(tx_hash)["input"])
            request = submission(types[name], sent)
            if dry_run:
                out.mkdir(parents=True, exist_ok=True)
                (out / f"{name}.json").write_text(json.dumps(request.form(address), indent=1))
                click.echo(f"{name:<22} {address} request written to {out / name}.json")
                continue
            assert explorer is not None
            verdict = explorer.verify(request, address)
            click.echo(f"{name:<22} {address} {verdict}")
            if not verdict.startswith(VERIFIED):
                rejected.append(f"{name} ({first_line(verdict)})")
        if rejected:
            raise EdgeledgerError(f"the explorer did not verify {', '.join(rejected)}")
