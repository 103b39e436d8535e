"""The BlockEdge replay: (1) negotiation time against the block time, (2) efficiency of the
proof-of-work task against the number of collaborating stakeholders, (3) a stakeholder's final
balance against its abnormality probability, for several deposits.

(1) and (3) are measured from real transactions (a separate anvil with a block time for (1),
the local chain for (3)); (2) times real parallel processes and checks the nonce on chain.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from eth_utils import keccak

from edgeledger.blockedge.actors import Detector, EdgeNode, Requester, TaskTerms, phase_times
from edgeledger.blockedge.market import solve
from edgeledger.chain import anvil_node, connected, mined
from edgeledger.deploy import DeployParameters, deploy_blockedge
from edgeledger.processes import die_with_parent, spawn_context
from edgeledger.reports import markdown_table, new_figure, save_figure, write_csv

Progress = Callable[[str, int, int], None]
ETHER = 10**18


def _quiet(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class BlockedgeReplayConfig:
    """What to replay. The defaults are the quick run of `make demo`; PAPER is the paper's."""

    block_times_s: tuple[float, ...] = (1.0, 2.0)
    negotiation_requests: int = 5
    stakeholder_counts: tuple[int, ...] = (1, 2, 4, 8)
    efficiency_difficulty_bits: int = 16
    efficiency_repetitions: int = 3
    abnormality: tuple[float, ...] = (0.0, 0.02, 0.05, 0.1, 0.2)
    deposits_ether: tuple[int, ...] = (1_000, 2_000, 3_000)
    incentive_ether: int = 10
    rounds: int = 20
    round_difficulty_bits: int = 8
    seed: int = 2020


PAPER = BlockedgeReplayConfig(
    block_times_s=(1.0, 2.0, 4.0, 6.0),
    negotiation_requests=50,
    stakeholder_counts=(1, 2, 3, 4, 5, 6, 7, 8),
    efficiency_difficulty_bits=20,
    efficiency_repetitions=10,
    abnormality=(0.0, 0.0025, 0.005, 0.01, 0.02, 0.05),
    rounds=200,
)


def break_even_abnormality(incentive: float, deposit: float) -> float:
    """AP where the expected balance per task, (1 - AP) * incentive - AP * deposit, is zero: a
    slashed winner loses its deposit and is not paid the incentive."""
    return incentive / (incentive + deposit)


# ---------------------------------------------------------------- (1) negotiation time


def negotiation_times(
    accounts: list[Any], config: BlockedgeReplayConfig, progress: Progress = _quiet
) -> list[dict[str, Any]]:
    """Seconds from the request on chain to the winner known (bidding closed), per request.

    Three nodes bid in the same block (sent without waiting, as independent nodes would); the
    bidding deadline is three block times after the request is sent, so that it outlives the
    request's block and the bids' block; bidding is closed in the first block past it.
    """
    rows: list[dict[str, Any]] = []
    for block_time in config.block_times_s:
        with anvil_node(block_time_s=block_time) as node, connected(node.network_choice):
            from ape import chain

            market, verifiers = deploy_blockedge(accounts[0])
            requester = Requester(accounts[1])
            bidders = accounts[2:5]
            # The deadline must outlive the request's own block and the bids' block.
            terms = TaskTerms(ETHER, ETHER, bidding_s=int(np.ceil(3 * block_time)))
            web3 = chain.provider.web3
            for i in range(config.negotiation_requests):
                challenge = keccak(f"negotiation {i}".encode())
                posted = requester.post(market, verifiers["ProofOfWork"], challenge, terms)
                request_id = posted.request_id
                on_chain = time.monotonic()
                posted_block = chain.blocks.head.number
                hashes = [
                    web3.eth.send_transaction(
                        {
                            "from": b.address,
                            "to": market.address,
                            "value": ETHER,
                            "gas": 200_000,
                            "data": market.placeBid.encode_input(request_id, 10 + j, 100),
                        }
                    )
                    for j, b in enumerate(bidders)
                ]
                for h in hashes:
                    mined(h, timeout_s=60)
                # Close as soon as the next block is past the deadline.
                while chain.blocks.head.timestamp < posted.bidding_deadline:
                    time.sleep(block_time / 10)
                receipt = market.closeBidding(request_id, sender=requester.account)
                rows.append(
                    {
                        "block_time_s": block_time,
                        "request": i,
                        "negotiation_s": round(time.monotonic() - on_chain, 3),
                        "blocks": int(receipt.block_number) - posted_block,
                        "winner": str(receipt.events[0].winner),
                    }
                )
                progress(
                    f"negotiation, {block_time:g} s blocks", i + 1, config.negotiation_requests
                )
    return rows


# ---------------------------------------------------------------- (2) efficiency


def _search(args: tuple[bytes, int, int, int]) -> tuple[int, int]:
    challenge, bits, start, step = args
    return solve(challenge, bits, start=start, step=step)


def _ready(_: int) -> bool:
    return True


def solve_together(challenge: bytes, bits: int, stakeholders: int) -> tuple[int, float]:
    """Split the nonce space over `stakeholders` processes (stride); the first solution ends
    the search. Returns the nonce and the wall time of the search alone.

    Processes are spawned (`spawn_context`) and started before the clock runs, so the time
    is the search's, not Python's start-up.
    """
    with spawn_context().Pool(stakeholders, initializer=die_with_parent) as pool:
        pool.map(_ready, range(stakeholders))
        started = time.monotonic()
        jobs = [(challenge, bits, i, stakeholders) for i in range(stakeholders)]
        nonce, _ = next(pool.imap_unordered(_search, jobs))
        elapsed = time.monotonic() - started
        pool.terminate()
    return nonce, elapsed


def efficiency(
    config: BlockedgeReplayConfig, verifier: Any | None = None, progress: Progress = _quiet
) -> list[dict[str, Any]]:
    """Speed-up and efficiency (speed-up / stakeholders) of the collaborative PoW task,
    against the first stakeholder count (normally one)."""
    rows: list[dict[str, Any]] = []
    bits = config.efficiency_difficulty_bits
    counts = config.stakeholder_counts
    for repetition in range(config.efficiency_repetitions):
        challenge = keccak(f"efficiency {config.seed} {repetition}".encode())
        times: dict[int, float] = {}
        for k in counts:
            nonce, times[k] = solve_together(challenge, bits, k)
            if verifier is not None and not verifier.solves(challenge, nonce.to_bytes(32, "big")):
                raise RuntimeError(f"the verifier rejects nonce {nonce} found by {k} processes")
            progress(
                "PoW efficiency",
                repetition * len(counts) + len(times),
                len(counts) * config.efficiency_repetitions,
            )
        base_k = counts[0]
        for k in counts:
            speed_up = times[base_k] / times[k]
            rows.append(
                {
                    "repetition": repetition,
                    "stakeholders": k,
                    "wall_s": round(times[k], 4),
                    "speed_up": round(speed_up, 3),
                    "efficiency": round(speed_up * base_k / k, 3),
                }
            )
    return rows


# ---------------------------------------------------------------- (3) balance vs abnormality


def balance_versus_abnormality(
    accounts: list[Any], config: BlockedgeReplayConfig, progress: Progress = _quiet
) -> list[dict[str, Any]]:
    """A stakeholder wins `rounds` tasks in a row; with probability AP it cheats, a detector
    reveals and it is slashed. Its balance: what it withdrew minus what it staked (no gas)."""
    from ape import chain

    parameters = DeployParameters(pow_difficulty_bits=config.round_difficulty_bits)
    market, verifiers = deploy_blockedge(accounts[0], parameters)
    requester, detector = Requester(accounts[1]), Detector(accounts[3])
    stakeholder = accounts[2]
    rows: list[dict[str, Any]] = []
    cases = [(d, ap) for d in config.deposits_ether for ap in config.abnormality]
    for case, (deposit_ether, abnormality) in enumerate(cases):
        for account in (requester.account, stakeholder):
            chain.provider.set_balance(account.address, 10**9 * ETHER)
        # The same draws for every deposit: the deposit changes the stakes, not the behaviour.
        rng = np.random.default_rng([config.seed, int(abnormality * 1e6)])
        node = EdgeNode(stakeholder, capability=100, cost=10, abnormality=abnormality, rng=rng)
        terms = TaskTerms(config.incentive_ether * ETHER, deposit_ether * ETHER, bidding_s=2)
        balance_wei, cheats = 0, 0
        for round_ in range(config.rounds):
            challenge = keccak(f"round {case} {round_}".encode())
            request_id = requester.post(
                market, verifiers["ProofOfWork"], challenge, terms
            ).request_id
            node.bid(market, request_id, terms.min_deposit_wei)
            balance_wei -= terms.min_deposit_wei
            chain.mine(deltatime=terms.bidding_s + 1)
            market.closeBidding(request_id, sender=requester.account)
            honest = node.work(market, request_id, challenge, config.round_difficulty_bits)
            cheats += not honest
            detector.check_and_commit(market, request_id, challenge, config.round_difficulty_bits)
            reveal_from, verify_until = phase_times(market, request_id)
            chain.mine(timestamp=reveal_from)
            detector.reveal(market, request_id)
            chain.mine(timestamp=verify_until + 1)
            market.finalize(request_id, sender=requester.account)
            credit = int(market.creditOf(stakeholder))  # nothing when it was slashed
            if credit:
                balance_wei += credit
                market.withdraw(sender=stakeholder)
        rows.append(
            {
                "deposit_ether": deposit_ether,
                "abnormality": abnormality,
                "rounds": config.rounds,
                "cheats": cheats,
                "balance_ether": balance_wei / ETHER,
                "break_even_abnormality": round(
                    break_even_abnormality(config.incentive_ether, deposit_ether), 5
                ),
            }
        )
        progress("balance vs abnormality", case + 1, len(cases))
    return rows


# ---------------------------------------------------------------- outputs


def plot_negotiation(rows: list[dict[str, Any]], path: Path) -> Path:
    figure, axes = new_figure()
    block_times = sorted({r["block_time_s"] for r in rows})
    data = [[r["negotiation_s"] for r in rows if r["block_time_s"] == bt] for bt in block_times]
    axes.boxplot(data)
    axes.set_xticks(range(1, len(block_times) + 1), [f"{bt:g}" for bt in block_times])
    axes.set_xlabel("block time, s")
    axes.set_ylabel("negotiation time, s (request on chain to winner known)")
    axes.set_title("BlockEdge negotiation time")
    return save_figure(figure, path)


def plot_efficiency(rows: list[dict[str, Any]], path: Path) -> Path:
    figure, axes = new_figure()
    counts = sorted({r["stakeholders"] for r in rows})
    means = [np.mean([r["efficiency"] for r in rows if r["stakeholders"] == k]) for k in counts]
    speed = [np.mean([r["speed_up"] for r in rows if r["stakeholders"] == k]) for k in counts]
    axes.plot(counts, means, marker="o", label="efficiency (speed-up / stakeholders)")
    axes.plot(counts, speed, marker="s", label="speed-up")
    axes.set_xlabel(f"collaborating stakeholders (processes; this machine: {_cores()} cores)")
    axes.set_ylabel("ratio to one stakeholder")
    axes.set_title("Collaborative proof of work")
    axes.legend()
    return save_figure(figure, path)


def plot_balance(rows: list[dict[str, Any]], incentive_ether: int, path: Path) -> Path:
    figure, axes = new_figure()
    for deposit in sorted({r["deposit_ether"] for r in rows}):
        points = sorted(
            (r["abnormality"], r["balance_ether"]) for r in rows if r["deposit_ether"] == deposit
        )
        line = axes.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            marker="o",
            label=f"deposit {deposit:,} ether",
        )[0]
        axes.axvline(
            break_even_abnormality(incentive_ether, deposit),
            color=line.get_color(),
            linestyle=":",
            alpha=0.8,
        )
    axes.axhline(0, color="black", linewidth=0.8)
    axes.set_xlabel("abnormality probability AP (dotted: break-even I / (I + deposit))")
    axes.set_ylabel("final balance, ether")
    axes.set_title(f"Stakeholder balance, incentive {incentive_ether} ether a task")
    axes.legend()
    return save_figure(figure, path)


def _cores() -> int:
    import os

    return os.cpu_count() or 1


def run_blockedge_replay(
    accounts: list[Any], config: BlockedgeReplayConfig, out_dir: Path, progress: Progress = _quiet
) -> dict[str, Any]:
    """Run the three experiments, write CSV, PNG and summary.md to `out_dir`; returns the
    headline: mean negotiation time per block time, and the balance at the largest AP."""
    negotiation = negotiation_times(accounts, config, progress)
    market_rows = balance_versus_abnormality(accounts, config, progress)
    _, verifiers = deploy_blockedge(
        accounts[0], DeployParameters(pow_difficulty_bits=config.efficiency_difficulty_bits)
    )
    efficiency_rows = efficiency(config, verifiers["ProofOfWork"], progress)

    write_csv(out_dir / "negotiation.csv", negotiation)
    write_csv(out_dir / "efficiency.csv", efficiency_rows)
    write_csv(out_dir / "balance.csv", market_rows)
    plot_negotiation(negotiation, out_dir / "negotiation.png")
    plot_efficiency(efficiency_rows, out_dir / "efficiency.png")
    plot_balance(market_rows, config.incentive_ether, out_dir / "balance.png")

    lines = ["# BlockEdge replay", "", f"Seed {config.seed}. Measured on this run.", ""]
    lines += ["## Negotiation time (request on chain to winner known)", ""]
    table = []
    mean_negotiation_s = {}
    for bt in config.block_times_s:
        values = [r["negotiation_s"] for r in negotiation if r["block_time_s"] == bt]
        blocks = [r["blocks"] for r in negotiation if r["block_time_s"] == bt]
        mean_negotiation_s[f"{bt:g} s"] = round(float(np.mean(values)), 2)
        table.append(
            [
                f"{bt:g}",
                len(values),
                f"{np.mean(values):.2f}",
                f"{np.std(values):.2f}",
                f"{np.mean(blocks):.1f}",
            ]
        )
    lines += [markdown_table(["block time s", "requests", "mean s", "std s", "blocks"], table)]
    lines += ["", "## Proof-of-work efficiency", ""]
    table = []
    for k in config.stakeholder_counts:
        picked = [r for r in efficiency_rows if r["stakeholders"] == k]
        table.append(
            [
                k,
                f"{np.mean([r['wall_s'] for r in picked]):.3f}",
                f"{np.mean([r['speed_up'] for r in picked]):.2f}",
                f"{np.mean([r['efficiency'] for r in picked]):.2f}",
            ]
        )
    lines += [markdown_table(["stakeholders", "wall s", "speed-up", "efficiency"], table)]
    lines += ["", f"This machine has {_cores()} cores: beyond that, processes share them.", ""]
    lines += ["## Final balance against abnormality", ""]
    lines += [
        markdown_table(
            ["deposit ether", "AP", "rounds", "cheats", "balance ether", "break-even AP"],
            [
                [
                    r["deposit_ether"],
                    r["abnormality"],
                    r["rounds"],
                    r["cheats"],
                    r["balance_ether"],
                    r["break_even_abnormality"],
                ]
                for r in market_rows
            ],
        )
    ]
    (out_dir / "summary.md").write_text("\n".join(lines) + "\n")
    worst = max(r["abnormality"] for r in market_rows)
    return {
        "negotiation s by block time": mean_negotiation_s,
        f"balance ether at AP {worst:g} by deposit": {
            r["deposit_ether"]: r["balance_ether"] for r in market_rows if r["abnormality"] == worst
        },
    }
