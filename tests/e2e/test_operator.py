"""An operator's whole path against an anvil that looks like Sepolia (chain id 11155111, 1 s
blocks), reached by URI through ape's own `ethereum:sepolia` network, with keyfile accounts
imported into ape (passphrases from the environment): rehearse, deploy, die halfway and
resume, check, verify, run the system, hand the admin role over; and each bad input answered
in one line. Slow (about two minutes): `make test-slow`."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ape_cli import APE, ROOT, assert_one_line_refusal
from eth_account import Account
from explorer_stub import ExplorerStub

from edgeledger.chain import anvil_node, free_port
from edgeledger.deploy import DeployParameters, full_plan

pytestmark = pytest.mark.slow

SEPOLIA = 11155111
PASSPHRASE = "correct horse battery staple"
DEPLOYER_KEY = "0x" + "11" * 32
SAFE_KEY = "0x" + "22" * 32
STEPS = len(full_plan(DeployParameters()))
CONTRACTS = sum(step.deploys for step in full_plan(DeployParameters()))


def rpc(uri: str, method: str, *params: Any) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    request = urllib.request.Request(
        uri, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    assert "error" not in answer, answer
    return answer["result"]


class Operator:
    """The operator's shell: ape with its own data folder (the imported keyfiles), the
    passphrases in the environment, a deployments folder of its own."""

    def __init__(self, tmp: Path, uri: str) -> None:
        self.uri, self.network = uri, f"ethereum:sepolia:{uri}"
        self.records = tmp / "deployments"
        self.env = {
            **os.environ,
            "APE_DATA_FOLDER": str(tmp / "ape"),
            "APE_ACCOUNTS_deployer_PASSPHRASE": PASSPHRASE,
            "APE_ACCOUNTS_safe_PASSPHRASE": PASSPHRASE,
            "ETHERSCAN_API_KEY": "a-test-key",
        }
        accounts = tmp / "ape" / "accounts"
        accounts.mkdir(parents=True)
        self.address = {}
        for alias, key in (("deployer", DEPLOYER_KEY), ("safe", SAFE_KEY)):
            (accounts / f"{alias}.json").write_text(json.dumps(Account.encrypt(key, PASSPHRASE)))
            self.address[alias] = Account.from_key(key).address

    def command(self, script: str, *args: str, network: str | None = None) -> list[str]:
        places = ["--network", network or self.network, "--deployments-dir", str(self.records)]
        return [APE, "run", script, *args, *places]

    def raw(
        self, line: list[str], env: dict[str, str] | None = None, timeout_s: float = 600
    ) -> Any:
        """A command line as the operator types it (network included); the records go to the
        test's folder."""
        return subprocess.run(
            [APE, *line, "--deployments-dir", str(self.records)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
            env=env or self.env,
        )

    def run(
        self,
        script: str,
        *args: str,
        env: dict[str, str] | None = None,
        network: str | None = None,
    ) -> Any:
        return self.raw(
            ["run", script, *args, "--network", network or self.network], env, timeout_s=300
        )

    def deploy(self, *args: str) -> Any:
        return self.run("deploy", "--account", "deployer", "--yes", *args)

    def start_deploy(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command("deploy", "--account", "deployer", "--yes", *args),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
            env=self.env,
            start_new_session=True,
        )

    @property
    def record_file(self) -> Path:
        return self.records / f"{SEPOLIA}.json"

    def record(self) -> dict[str, Any]:
        return dict(json.loads(self.record_file.read_text()))

    def fund(self, alias: str, wei: int) -> None:
        rpc(self.uri, "anvil_setBalance", self.address[alias], hex(wei))


@pytest.fixture()
def operator(tmp_path: Path) -> Iterator[Operator]:
    with anvil_node(block_time_s=1, chain_id=SEPOLIA) as node:
        yield Operator(tmp_path, node.uri)


def wait_for(condition: Any, what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def in_flight(operator: Operator) -> str | None:
    """The hash of the deployment's transaction that the node holds unmined, if any."""
    if not operator.record_file.exists():
        return None
    pending = operator.record().get("pending")
    if not pending or not pending["transactions"]:
        return None
    tx = rpc(operator.uri, "eth_getTransactionByHash", pending["transactions"][-1])
    return str(tx["hash"]) if tx and tx["blockNumber"] is None else None


def killed_in_flight(operator: Operator, after_steps: int, *args: str) -> str:
    """Start a deployment, stop the node's mining once `after_steps` steps are recorded, and
    kill the deployment (SIGKILL) once its next transaction is in the node's pool, unmined.
    Mining stays stopped; returns that transaction's hash."""
    process = operator.start_deploy(*args)
    try:
        wait_for(
            lambda: (
                operator.record_file.exists() and len(operator.record()["steps"]) >= after_steps
            ),
            f"{after_steps} steps",
            120,
        )
        rpc(operator.uri, "evm_setIntervalMining", 0)
        tx_hash = None

        def sent() -> bool:
            nonlocal tx_hash
            tx_hash = in_flight(operator)
            return tx_hash is not None

        wait_for(sent, "a transaction in flight")
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    assert tx_hash is not None
    return tx_hash


def creations_by(operator: Operator, alias: str) -> tuple[int, int]:
    """(transactions, contract creations) the account has in the chain's blocks."""
    sender = operator.address[alias].lower()
    sent = created = 0
    for number in range(int(rpc(operator.uri, "eth_blockNumber"), 16) + 1):
        block = rpc(operator.uri, "eth_getBlockByNumber", hex(number), True)
        for tx in block["transactions"]:
            if tx["from"].lower() == sender:
                sent += 1
                created += tx["to"] is None
    return sent, created


def test_operator__a_testnet_ape_does_not_know(tmp_path: Path) -> None:
    """The README's way to add one: a custom network in ape's user config (Hoodi here)."""
    with anvil_node(chain_id=560048) as node:
        operator = Operator(tmp_path, node.uri)
        (tmp_path / "ape" / "ape-config.yaml").write_text(
            (ROOT / "README.md")
            .read_text()
            .split("# ~/.ape/ape-config.yaml\n", 1)[1]
            .split("```")[0]
        )
        dry = operator.run(
            "deploy", "--account", "deployer", "--dry-run", network=f"ethereum:hoodi:{node.uri}"
        )
    assert dry.returncode == 0, dry.stderr
    assert f"{STEPS} transactions" in dry.stdout


def test_operator__bad_input_is_one_line(operator: Operator) -> None:
    # An unreachable node.
    dead = f"ethereum:sepolia:http://127.0.0.1:{free_port()}"
    result = operator.run("deploy", "--account", "deployer", network=dead)
    assert_one_line_refusal(result, "cannot reach the node")
    # A locked account: no passphrase in the environment, no terminal to type it.
    locked = {k: v for k, v in operator.env.items() if not k.startswith("APE_ACCOUNTS_")}
    result = operator.run("deploy", "--account", "deployer", "--yes", env=locked)
    assert_one_line_refusal(result, "account 'deployer' is locked")
    # Too little ether for the deployment (the rehearsal measured what it needs).
    operator.fund("deployer", 10**15)
    result = operator.deploy()
    assert_one_line_refusal(result, "short by")
    assert not operator.record_file.exists()
    # A record of another chain under this chain's name.
    operator.records.mkdir()
    operator.record_file.write_text(json.dumps({"chain_id": 5, "contracts": {}}))
    for script in ("deploy", "check"):
        args = ("--account", "deployer", "--yes") if script == "deploy" else ()
        result = operator.run(script, *args)
        assert_one_line_refusal(result, f"records chain 5, not {SEPOLIA}")


def test_operator__rehearse_deploy_resume_check_run_hand_over(operator: Operator) -> None:
    operator.fund("deployer", 10**19)

    # Dry run: the steps' gas and the cost, nothing written, nothing sent.
    dry = operator.run("deploy", "--account", "deployer", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "nothing sent, nothing written" in dry.stdout
    assert not operator.records.exists()
    assert (
        rpc(operator.uri, "eth_getTransactionCount", operator.address["deployer"], "latest")
        == "0x0"
    )
    rehearsed = {
        line.split(" gas ")[0].strip(): int(line.split(" gas ")[1].split()[0].replace(",", ""))
        for line in dry.stdout.splitlines()
        if " gas " in line and not line.startswith(str(STEPS))
    }
    assert len(rehearsed) == STEPS

    # Killed after a broadcast, before its receipt: the transaction is mined while the
    # deployment is dead; the resumed run finds it by its record and sends it no second time.
    first = killed_in_flight(operator, 3)
    rpc(operator.uri, "evm_setIntervalMining", 1)
    wait_for(lambda: in_flight(operator) is None, "the orphan mined")
    # Killed again, and this time its transaction is lost (dropped from the only pool that
    # had it): as if it had died between two steps. The resumed run sends that step again,
    # at the same nonce.
    second = killed_in_flight(operator, 6)
    assert second != first
    rpc(operator.uri, "anvil_dropTransaction", second)
    # ... and meanwhile the account sent something else at that nonce (the operator's wallet):
    # the step did not happen, and is sent again at the next nonce.
    deployer = operator.address["deployer"]
    rpc(operator.uri, "anvil_impersonateAccount", deployer)
    rpc(operator.uri, "eth_sendTransaction", {"from": deployer, "to": deployer, "value": "0x1"})
    rpc(operator.uri, "anvil_stopImpersonatingAccount", deployer)
    rpc(operator.uri, "evm_setIntervalMining", 1)
    resumed = operator.deploy()
    assert resumed.returncode == 0, resumed.stderr
    assert "was taken by" in resumed.stdout, resumed.stdout
    record = operator.record()
    assert record["complete"] and record["pending"] is None
    assert [entry["name"] for entry in record["steps"]] == [
        s.name for s in full_plan(DeployParameters())
    ]
    assert first in {entry.get("transaction") for entry in record["steps"]}
    # Nothing twice: the 15 steps and the wallet's transfer.
    assert creations_by(operator, "deployer") == (STEPS + 1, CONTRACTS)
    assert record["start_block"] == min(entry["block"] for entry in record["steps"])
    # The rehearsal's gas is the real gas, step by step (within 5% in all).
    real = {entry["name"]: entry["gas_used"] for entry in record["steps"]}
    assert abs(sum(real.values()) - sum(rehearsed.values())) <= 0.05 * sum(real.values())
    # Run again: a finished deployment is not redone.
    again = operator.deploy()
    assert_one_line_refusal(again, "already has a deployment")

    # Check: passes; then fails for each item broken by hand.
    check = operator.run("check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "FAIL" not in check.stdout and check.stdout.count("ok  ") >= 40
    quorum = record["contracts"]["QuorumVerifier"]
    delisted = operator.run("admin", "delist-verifier", quorum, "--account", "deployer")
    assert delisted.returncode == 0, delisted.stderr
    broken = operator.run("check")
    assert_one_line_refusal(broken, "1 check(s) failed")
    assert "FAIL wired: list QuorumVerifier" in broken.stdout
    relisted = operator.run("admin", "list-verifier", quorum, "--account", "deployer")
    assert relisted.returncode == 0, relisted.stderr
    assert operator.run("check").returncode == 0

    edited = operator.record()
    edited["parameters"]["task_timeout_s"] = 61
    operator.record_file.write_text(json.dumps(edited))
    broken = operator.run("check")
    assert_one_line_refusal(broken, "1 check(s) failed")
    assert "FAIL DroneMecRegistry.TASK_TIMEOUT_S" in broken.stdout
    operator.record_file.write_text(json.dumps(record))

    # A record that names another contract where the delay-aware policy is: the registry and
    # the reputation-aware policy were built with the real one.
    edited = operator.record()
    for field in ("contracts", "code_hashes"):
        edited[field]["DelayAwarePolicy"] = edited[field]["NearestPolicy"]
    operator.record_file.write_text(json.dumps(edited))
    broken = operator.run("check")
    assert_one_line_refusal(broken, "3 check(s) failed")
    for item in ("registry policy 4", "ReputationAwarePolicy.INNER", "MEAN_RATE_KB_PER_S"):
        assert any(line.startswith("FAIL") and item in line for line in broken.stdout.splitlines())
    operator.record_file.write_text(json.dumps(record))

    pow_verifier = record["contracts"]["ProofOfWorkVerifier"]
    original_code = rpc(operator.uri, "eth_getCode", pow_verifier, "latest")
    rpc(
        operator.uri,
        "anvil_setCode",
        pow_verifier,
        rpc(operator.uri, "eth_getCode", quorum, "latest"),
    )
    broken = operator.run("check")
    assert broken.returncode != 0
    assert f"FAIL code of ProofOfWorkVerifier at {pow_verifier}" in broken.stdout
    rpc(operator.uri, "anvil_setCode", pow_verifier, original_code)

    # Running the system: admit a server (one identity), refused clearly when it is one.
    server = Account.from_key("0x" + "33" * 32).address
    admit = ("admin", "admit-server", server, "--x-m", "10", "--y-m", "20")
    admitted = operator.run(*admit, "--capacity-mcps", "500", "--account", "deployer")
    assert admitted.returncode == 0, admitted.stderr
    again = operator.run(*admit, "--capacity-mcps", "500", "--account", "deployer")
    assert_one_line_refusal(again, "DroneMecRegistry.registerServer would revert with")
    # The audit reads logs from the record's first block: moved past the admission, it finds
    # nothing (on a public chain, the millions of blocks before the deployment are skipped).
    audit = operator.run("audit", "--server", server)
    assert audit.returncode == 0 and "reputation steps: 1" in audit.stdout, audit.stdout
    late = operator.record()
    late["start_block"] = int(rpc(operator.uri, "eth_blockNumber"), 16) + 1
    operator.record_file.write_text(json.dumps(late))
    assert_one_line_refusal(operator.run("audit", "--server", server), "has no task")
    operator.record_file.write_text(json.dumps(record))
    # The safe is not the admin: what it may not do is refused before sending.
    operator.fund("safe", 10**18)
    refused = operator.run("admin", "grant-reporter", server, "--account", "safe")
    assert_one_line_refusal(refused, "AccessControlUnauthorizedAccount")
    assert "DEFAULT_ADMIN_ROLE" in refused.stderr


def test_operator__stuck_transaction_replaced_under_the_cap(operator: Operator) -> None:
    operator.fund("deployer", 10**20)
    # Mining stays stopped: the transaction in flight waits in the pool, as one does behind
    # higher bids. (anvil drops a transaction that a block's base fee outprices, so a base fee
    # raised above it would lose it, not leave it stuck.)
    killed_in_flight(operator, 1, "--stuck-after-s", "2")
    pending = operator.record()["pending"]
    stuck_hash = pending["transactions"][-1]
    stuck_fee = int(rpc(operator.uri, "eth_getTransactionByHash", stuck_hash)["maxFeePerGas"], 16)
    # A cap that a replacement (12.5% more) cannot fit under: refused in one line, kept.
    capped = operator.deploy("--stuck-after-s", "2", "--max-fee-gwei", str(1.05 * stuck_fee / 1e9))
    assert_one_line_refusal(capped, "above --max-fee-gwei")
    assert operator.record()["pending"]["transactions"] == [stuck_hash]
    # Without it: replaced at a higher fee, then mined, and the deployment finishes.
    process = operator.start_deploy("--stuck-after-s", "2")

    def replaced() -> bool:
        assert process.poll() is None, process.communicate()
        return len((operator.record()["pending"] or {}).get("transactions", [])) == 2

    wait_for(replaced, "a replacement", 120)
    rpc(operator.uri, "evm_setIntervalMining", 1)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert "replaced at a higher fee" in out, out
    step = next(entry for entry in operator.record()["steps"] if entry["name"] == pending["step"])
    assert step["transaction"] != stuck_hash
    sent = rpc(operator.uri, "eth_getTransactionByHash", step["transaction"])
    assert int(sent["maxFeePerGas"], 16) >= 1.125 * stuck_fee
    assert sent["nonce"] == hex(pending["nonce"])
    assert creations_by(operator, "deployer") == (STEPS, CONTRACTS)


def readme_steps() -> list[str]:
    """The `ape run` lines of the README's operator steps, in order."""
    text = (ROOT / "README.md").read_text()
    block = text.split("# 1. The deployer's key", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.startswith("ape run ")]


def test_readme__the_operator_steps_as_written(operator: Operator) -> None:
    steps = readme_steps()
    assert [line.split()[2] for line in steps] == [
        "deploy",
        "deploy",
        "check",
        "verify",
        "admin",
        "check",
    ]
    operator.fund("deployer", 10**19)
    operator.fund("safe", 10**18)
    safe = operator.address["safe"]
    with ExplorerStub(operator.uri) as explorer:
        for line in steps:
            if "--admin $SAFE" in line:
                # While the handover waits, check fails unless told to expect it.
                waiting = operator.run("check")
                assert_one_line_refusal(waiting, "3 check(s) failed")
                assert "FAIL handover of DroneMecRegistry in progress to" in waiting.stdout
                expected = operator.run("check", "--pending-admin", safe)
                assert expected.returncode == 0, expected.stdout
                # The Safe accepts after the delay (here from an account ape holds), not before.
                early = operator.run("admin", "accept-handover", "--account", "safe")
                assert_one_line_refusal(early, "AccessControlEnforcedDefaultAdminDelay")
                rpc(operator.uri, "evm_increaseTime", DeployParameters().admin_delay_s + 1)
                rpc(operator.uri, "evm_mine")
                accepted = operator.run("admin", "accept-handover", "--account", "safe")
                assert accepted.returncode == 0, accepted.stderr
            expanded = (
                line.replace("$SEPOLIA_RPC_URL", operator.uri)
                .replace("$SAFE", safe)
                .replace("https://api.etherscan.io/v2/api", explorer.url)
            )
            words = shlex.split(expanded)
            if words[2] == "deploy" and "--dry-run" not in words:
                words.append("--yes")  # no terminal here to ask
            result = operator.raw(words[1:])
            assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
            if words[2] == "verify":
                assert result.stdout.count("Pass - Verified") == CONTRACTS, result.stdout
    record = operator.record()
    assert record["complete"] and record["admin"] == safe
    assert record["network"] == "ethereum:sepolia"  # never the URI, which may carry a key
    stale = operator.run("check", "--admin", operator.address["deployer"])
    assert "FAIL admin of DroneMecRegistry" in stale.stdout
    reporter = Account.from_key("0x" + "44" * 32).address
    refused = operator.run("admin", "grant-reporter", reporter, "--account", "deployer")
    assert_one_line_refusal(refused, "AccessControlUnauthorizedAccount")
    granted = operator.run("admin", "grant-reporter", reporter, "--account", "safe")
    assert granted.returncode == 0, granted.stderr
