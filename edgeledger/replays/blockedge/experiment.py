"""The BlockEdge replay's measurements: (1) negotiation time against the block time, (2)
efficiency of the proof-of-work task against the number of collaborating stakeholders, (3) a
stakeholder's final balance against its abnormality probability, for several deposits.

(1) and (3) are measured from real transactions (a separate anvil with a block time for (1), the
local chain for (3)); (2) times real parallel processes and checks the nonce on chain.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from eth_utils import keccak

from edgeledger.blockedge.actors import Detector, EdgeNode, Requester, TaskTerms, phase_times
from edgeledger.blockedge.market import break_even_abnormality, solve
from edgeledger.chain import anvil_node, connected
from edgeledger.deploy import DeployParameters, deploy_blockedge
from edgeledger.driver import STALL_S, ChainDriver
from edgeledger.ethereum import ETHER
from edgeledger.processes import die_with_parent, spawn_context
from edgeledger.progress import ProgressCallback, quiet
from edgeledger.replays.blockedge.settings import BlockedgeReplayConfig
from edgeledger.replays.scheduler import replay_units

NegotiationUnit = tuple[float, int, int, int]  # (block time, first request, requests, a block)


def negotiation_units(config: BlockedgeReplayConfig) -> list[NegotiationUnit]:
    """The negotiation's units: each block time's requests, `negotiation_chunk` at a time, each
    unit on an anvil of its own (they wait on the clock, so they may run side by side)."""
    n, chunk = config.negotiation_requests, config.negotiation_chunk
    return [
        (block_time, first, min(chunk, n - first), config.negotiation_per_block)
        for block_time in config.block_times_s
        for first in range(0, n, chunk)
    ]


@dataclass
class _Negotiation:
    """A request of the stream, from its post to its winner."""

    index: int
    request_id: int = -1
    bidding_deadline: int = 0  # block time, seconds
    posted_block: int = 0
    on_chain_s: float = 0.0  # when the client saw the request's block (monotonic clock)


def negotiation_unit(unit: NegotiationUnit) -> list[dict[str, Any]]:
    """Seconds from the request on chain to the winner known (bidding closed), for each of the
    unit's requests, on an anvil of its own with the unit's block time.

    Requests arrive as a stream, `per_block` a block, as a busy requester's would. The client
    acts once a block, in one batch: the closes of the requests whose bidding deadline the
    chain has passed, the block's new requests, and the bids on the requests it has just seen
    on chain (three nodes bid in the same block, as independent nodes would). A request's times
    are when the client saw its block and its close's block. The bidding deadline is three
    block times after the request is sent, so that it outlives the request's block and the
    bids' block.
    """
    block_time, first, count, per_block = unit
    rows: list[dict[str, Any]] = []
    with anvil_node(block_time_s=block_time) as node, connected(node.network_choice):
        from ape import accounts as ape_accounts
        from ape import chain

        accounts = list(ape_accounts.test_accounts)
        market, verifiers = deploy_blockedge(accounts[0])
        requester = Requester(accounts[1])
        bidders = [EdgeNode(a, capability=100, cost=10 + j) for j, a in enumerate(accounts[2:5])]
        for account in accounts[1:5]:  # a long stream stakes more than a test account holds
            fund(account)
        terms = TaskTerms(ETHER, ETHER, bidding_s=int(np.ceil(3 * block_time)))
        driver = ChainDriver(stall_s=max(STALL_S, 2 * block_time))
        to_post = list(range(first, first + count))
        fresh: list[_Negotiation] = []  # seen on chain in the last block: to bid on
        open_: list[_Negotiation] = []  # bids placed: to close past the deadline
        while len(rows) < count:
            head = chain.blocks.head
            due = [n for n in open_ if head.timestamp >= n.bidding_deadline]
            open_ = [n for n in open_ if head.timestamp < n.bidding_deadline]
            new = [_Negotiation(i) for i in to_post[:per_block]]
            to_post = to_post[per_block:]
            deadline = chain.pending_timestamp + terms.bidding_s
            calls = [requester.close_call(market, n.request_id) for n in due]
            calls += [
                requester.post_call(
                    market,
                    verifiers["ProofOfWork"],
                    keccak(f"negotiation {n.index}".encode()),
                    terms,
                    deadline,
                )
                for n in new
            ]
            calls += [b.bid_call(market, n.request_id, ETHER) for n in fresh for b in bidders]
            if not calls:
                _next_block(head.number, block_time)
                continue
            receipts = driver.send(calls)
            seen_s = time.monotonic()
            for n, receipt in zip(due, receipts, strict=False):
                rows.append(
                    {
                        "block_time_s": block_time,
                        "request": n.index,
                        "negotiation_s": round(seen_s - n.on_chain_s, 3),
                        "blocks": receipt.block_number - n.posted_block,
                        "winner": str(receipt.events(market.BiddingClosed)[0].winner),
                    }
                )
            for n, receipt in zip(new, receipts[len(due) :], strict=False):
                posted = receipt.events(market.RequestPosted)[0]
                n.request_id, n.bidding_deadline = (
                    int(posted.requestId),
                    int(posted.biddingDeadline),
                )
                n.posted_block, n.on_chain_s = receipt.block_number, seen_s
            open_ += fresh
            fresh = new
    return sorted(rows, key=lambda row: row["request"])


def fund(account: Any) -> None:
    """Give `account` a billion ether on an anvil (ape's `set_balance` is for the nodes it
    starts itself, not one reached by its URI)."""
    from ape import chain

    chain.provider.make_request("anvil_setBalance", [str(account.address), hex(10**9 * ETHER)])


def _next_block(number: int, block_time: float) -> None:
    """Wait until the chain's head is past block `number`."""
    from ape import chain

    while chain.blocks.head.number <= number:
        time.sleep(block_time / 20)


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
    """A stakeholder wins `rounds` tasks; with probability AP it cheats, a detector reveals and
    it is slashed. Its balance: what it withdrew minus what it staked (no gas).

    One stakeholder for every case, in turn: its record in the market (how often it was
    slashed) carries from case to case, as it would for a node that stays. Its rounds run
    `config.lanes` side by side, each step of theirs one batch mined together (the chain
    stays young: a block a batch, not a block a transaction). It is the only bidder and anyone
    may bid however often it was slashed, so a round's outcome does not depend on the rounds
    beside it."""
    parameters = DeployParameters(pow_difficulty_bits=config.round_difficulty_bits)
    market, verifiers = deploy_blockedge(accounts[0], parameters)
    lanes = _Lanes(
        market,
        verifiers["ProofOfWork"],
        config.round_difficulty_bits,
        Requester(accounts[1]),
        Detector(accounts[3]),
        int(market.DETECTOR_BOND()),
        ChainDriver(),
    )
    rows: list[dict[str, Any]] = []
    cases = [(d, ap) for d in config.deposits_ether for ap in config.abnormality]
    for case, (deposit_ether, abnormality) in enumerate(cases):
        # The same draws for every deposit: the deposit changes the stakes, not the behaviour.
        rng = np.random.default_rng([config.seed, int(abnormality * 1e6)])
        node = EdgeNode(accounts[2], capability=100, cost=10, abnormality=abnormality, rng=rng)
        terms = TaskTerms(
            config.incentive_ether * ETHER, deposit_ether * ETHER, bidding_s=LANES_BIDDING_S
        )
        tally = _Tally()
        for first in range(0, config.rounds, config.lanes):
            last = min(first + config.lanes, config.rounds)
            challenges = [keccak(f"round {case} {r}".encode()) for r in range(first, last)]
            tally.add(lanes.play(node, terms, challenges))
            progress(
                "balance vs abnormality", case * config.rounds + last, len(cases) * config.rounds
            )
        rows.append(
            {
                "deposit_ether": deposit_ether,
                "abnormality": abnormality,
                "rounds": config.rounds,
                "cheats": tally.cheats,
                "slashed": tally.slashed,
                "balance_ether": tally.balance_wei / ETHER,
                "break_even_abnormality": round(
                    break_even_abnormality(config.incentive_ether, deposit_ether), 5
                ),
            }
        )
    return rows


# The bidding window of rounds played side by side: longer than a batch of requests and a
# batch of bids take to be mined (the chain is then moved past it at once).
LANES_BIDDING_S = 60


@dataclass
class _Tally:
    balance_wei: int = 0
    cheats: int = 0
    slashed: int = 0

    def add(self, other: _Tally) -> None:
        self.balance_wei += other.balance_wei
        self.cheats += other.cheats
        self.slashed += other.slashed


@dataclass
class _Lanes:
    """Rounds of the balance stage played side by side: the requester, the detector and the
    market they share."""

    market: Any
    verifier: Any
    bits: int
    requester: Requester
    detector: Detector
    bond_wei: int
    driver: ChainDriver

    def play(self, node: EdgeNode, terms: TaskTerms, challenges: list[bytes]) -> _Tally:
        """One round for each challenge, side by side: post, bid, close, work, commit, reveal,
        finalize, each a batch; then the stakeholder withdraws what it was paid. Raises if the
        market paid other than its rules say for the verdicts it gave."""
        from ape import chain

        market, driver = self.market, self.driver
        requester, detector = self.requester, self.detector
        for account in (requester.account, node.account, detector.account):
            fund(account)
        deadline = chain.pending_timestamp + terms.bidding_s
        posts = [requester.post_call(market, self.verifier, c, terms, deadline) for c in challenges]
        ids = [
            int(r.events(market.RequestPosted)[0].requestId)
            for r in driver.send(posts, together=True)
        ]
        driver.send([node.bid_call(market, i, terms.min_deposit_wei) for i in ids], together=True)
        chain.mine(timestamp=deadline + 1)
        driver.send([requester.close_call(market, i) for i in ids], together=True)
        works = [
            node.work_call(market, i, c, self.bits) for i, c in zip(ids, challenges, strict=True)
        ]
        results = [
            bytes(r.events(market.ResultSubmitted)[0].result)
            for r in driver.send([work for work, _ in works], together=True)
        ]
        # The detector checks each result as the market's event gave it.
        commits = [
            detector.commit_call(market, i, c, self.bits, self.bond_wei, result)[0]
            for i, c, result in zip(ids, challenges, results, strict=True)
        ]
        driver.send(commits, together=True)
        # Results are mined in order: the last round's phases open last.
        reveal_from, verify_until = phase_times(market, ids[-1])
        chain.mine(timestamp=reveal_from)
        driver.send([detector.reveal_call(market, i) for i in ids], together=True)
        chain.mine(timestamp=verify_until + 1)
        finals = driver.send([requester.finalize_call(market, i) for i in ids], together=True)
        slashed = sum(bool(r.events(market.RequestFinalized)[0].slashed) for r in finals)
        credit = int(driver.read(market, "creditOf", node.account.address))
        paid = (len(ids) - slashed) * (terms.min_deposit_wei + terms.incentive_wei)
        if credit != paid:
            raise RuntimeError(
                f"the market credited {credit} wei for {len(ids)} rounds, {slashed} slashed; "
                f"its rules give {paid}"
            )
        if credit:
            driver.call(node.withdraw_call(market))
        cheats = sum(not honest for _, honest in works)
        return _Tally(credit - len(ids) * terms.min_deposit_wei, cheats, slashed)
