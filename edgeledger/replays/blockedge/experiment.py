"""The BlockEdge replay's measurements: (1) negotiation time against the block time, (2)
efficiency of the proof-of-work task against the number of collaborating stakeholders, (3) a
stakeholder's final balance against its abnormality probability, for several deposits.

(1) and (3) are measured from real transactions (a separate anvil with a block time for (1), the
local chain for (3)); (2) times real parallel processes and checks the nonce on chain.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from eth_utils import keccak

from edgeledger.blockedge.actors import Detector, EdgeNode, Requester, TaskTerms, phase_times
from edgeledger.blockedge.market import break_even_abnormality, solve
from edgeledger.chain import anvil_node, connected, mined
from edgeledger.deploy import DeployParameters, deploy_blockedge
from edgeledger.driver import ChainDriver
from edgeledger.ethereum import ETHER
from edgeledger.processes import die_with_parent, spawn_context
from edgeledger.progress import ProgressCallback, quiet
from edgeledger.replays.blockedge.settings import BlockedgeReplayConfig
from edgeledger.replays.scheduler import replay_units

NegotiationUnit = tuple[float, int, int]  # (block time, first request, requests)


def negotiation_units(config: BlockedgeReplayConfig) -> list[NegotiationUnit]:
    """The negotiation's units: each block time's requests, `negotiation_chunk` at a time, each
    unit on an anvil of its own (they wait on the clock, so they may run side by side)."""
    n, chunk = config.negotiation_requests, config.negotiation_chunk
    return [
        (block_time, first, min(chunk, n - first))
        for block_time in config.block_times_s
        for first in range(0, n, chunk)
    ]


def negotiation_unit(unit: NegotiationUnit) -> list[dict[str, Any]]:
    """Seconds from the request on chain to the winner known (bidding closed), for each of the
    unit's requests, on an anvil of its own with the unit's block time.

    Three nodes bid in the same block (sent without waiting, as independent nodes would); the
    bidding deadline is three block times after the request is sent, so that it outlives the
    request's block and the bids' block; bidding is closed in the first block past it.
    """
    block_time, first, count = unit
    rows: list[dict[str, Any]] = []
    with anvil_node(block_time_s=block_time) as node, connected(node.network_choice):
        from ape import accounts as ape_accounts
        from ape import chain

        accounts = list(ape_accounts.test_accounts)
        market, verifiers = deploy_blockedge(accounts[0])
        requester = Requester(accounts[1])
        bidders = accounts[2:5]
        # The deadline must outlive the request's own block and the bids' block.
        terms = TaskTerms(ETHER, ETHER, bidding_s=int(np.ceil(3 * block_time)))
        web3 = chain.provider.web3
        for i in range(first, first + count):
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
    return rows


def negotiation_times(
    config: BlockedgeReplayConfig,
    progress: ProgressCallback = quiet,
    journal_path: Path | None = None,
) -> list[dict[str, Any]]:
    """`negotiation_unit` for every unit: here, in `config.workers` processes, or on Ray
    (`config.ray`); with `journal_path`, finished units are kept there and those it holds
    skipped."""
    units = negotiation_units(config)
    return replay_units(negotiation_unit, units, "negotiation", progress, config, journal_path)


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
    config: BlockedgeReplayConfig, verifier: Any | None = None, progress: ProgressCallback = quiet
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


def efficiency_checked_on_chain(
    accounts: list[Any], config: BlockedgeReplayConfig, progress: ProgressCallback = quiet
) -> list[dict[str, Any]]:
    """`efficiency`, every nonce found checked by a ProofOfWork verifier deployed for it."""
    _, verifiers = deploy_blockedge(
        accounts[0], DeployParameters(pow_difficulty_bits=config.efficiency_difficulty_bits)
    )
    return efficiency(config, verifiers["ProofOfWork"], progress)


def balance_versus_abnormality(
    accounts: list[Any], config: BlockedgeReplayConfig, progress: ProgressCallback = quiet
) -> list[dict[str, Any]]:
    """A stakeholder wins `rounds` tasks in a row; with probability AP it cheats, a detector
    reveals and it is slashed. Its balance: what it withdrew minus what it staked (no gas).

    One stakeholder for every case, in turn: its record in the market (how often it was
    slashed) carries from case to case, as it would for a node that stays. Every transaction
    goes through the chain driver (one at a time: each step needs the one before it)."""
    from ape import chain

    parameters = DeployParameters(pow_difficulty_bits=config.round_difficulty_bits)
    market, verifiers = deploy_blockedge(accounts[0], parameters)
    verifier, bits = verifiers["ProofOfWork"], config.round_difficulty_bits
    requester, detector = Requester(accounts[1]), Detector(accounts[3])
    stakeholder = accounts[2]
    bond = int(market.DETECTOR_BOND())
    driver = ChainDriver()
    view = driver.view(market)
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
            deadline = chain.pending_timestamp + terms.bidding_s
            posted = driver.call(requester.post_call(market, verifier, challenge, terms, deadline))
            request_id = int(posted.events(market.RequestPosted)[0].requestId)
            driver.call(node.bid_call(market, request_id, terms.min_deposit_wei))
            balance_wei -= terms.min_deposit_wei
            chain.mine(timestamp=deadline + 1)
            driver.call(requester.close_call(market, request_id))
            work, honest = node.work_call(market, request_id, challenge, bits)
            driver.call(work)
            cheats += not honest
            driver.call(detector.commit_call(market, request_id, challenge, bits, bond)[0])
            reveal_from, verify_until = phase_times(market, request_id)
            chain.mine(timestamp=reveal_from)
            driver.call(detector.reveal_call(market, request_id))
            chain.mine(timestamp=verify_until + 1)
            driver.call(requester.finalize_call(market, request_id))
            credit = int(view.creditOf(stakeholder))  # nothing when it was slashed
            if credit:
                balance_wei += credit
                driver.call(node.withdraw_call(market))
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
