"""A replay unit leaves the node as it found it (edgeledger.chain.state_taken_back): what it
deployed and sent is gone after it, but not after a failure, which the chain may explain."""

from __future__ import annotations

from typing import Any

import pytest
from ape import chain

import edgeledger.chain
from edgeledger.chain import AnvilNode, code_at, on_young_chain, state_taken_back
from edgeledger.deploy import deploy_reputation
from edgeledger.fresco.applications import built_in
from edgeledger.fresco.simulator import SimulationConfig, build_world
from edgeledger.replays.fresco.experiment import _replay_unit, engines_named


def node_request(method: str, params: list[Any]) -> Any:
    return chain.provider.web3.provider.make_request(method, params)


def test_what_the_block_deployed_and_sent__is_gone_after_it(agent: Any) -> None:
    height, nonce = chain.blocks.height, agent.nonce

    with state_taken_back():
        contract = deploy_reputation(agent)
        contract.registerNode(agent, sender=agent)
        assert code_at(contract.address)

    assert not code_at(contract.address)
    assert (chain.blocks.height, agent.nonce) == (height, nonce)


def test_a_stage_on_a_young_chain__returns_its_result_and_leaves_no_block(agent: Any) -> None:
    """`make demo` runs each replay so (scripts/demo.py): what one deployed is gone before the
    next starts, and the chain is as short as before it."""
    height = chain.blocks.height

    def stage(registrations: int) -> Any:
        contract = deploy_reputation(agent)
        for i in range(registrations):
            contract.registerNode(f"0x{i + 1:040x}", sender=agent)
        return contract

    contract = on_young_chain(stage)(3)

    assert not code_at(contract.address)
    assert chain.blocks.height == height


def test_a_block_that_raises__leaves_its_state_to_look_at(agent: Any) -> None:
    with pytest.raises(RuntimeError, match="a bug"), state_taken_back():
        contract = deploy_reputation(agent)
        raise RuntimeError("a bug")

    assert code_at(contract.address)


def test_a_node_that_forgot_the_snapshot__keeps_the_state_without_failing(agent: Any) -> None:
    with state_taken_back():
        contract = deploy_reputation(agent)
        # As a node restarted from a dump: the block's snapshot is gone. Snapshot ids rise by
        # one, so the block's is the one before a new one; going back to it removes it.
        taken = int(node_request("evm_snapshot", [])["result"], 16)
        assert node_request("evm_revert", [hex(taken - 1)])["result"] is True
        assert not code_at(contract.address)
        contract = deploy_reputation(agent)

    assert code_at(contract.address)


def test_a_node_this_process_started__is_taken_back(agent: Any) -> None:
    """An AnvilNode (a replay worker's own node), reached by URI like any other."""
    from ape import networks

    node = AnvilNode().start()
    try:
        with networks.parse_network_choice(node.network_choice):
            with state_taken_back() as taken_back:
                contract = deploy_reputation(agent)
            assert taken_back
            assert not code_at(contract.address)
    finally:
        node.stop()


def test_a_node_this_process_did_not_start__keeps_the_state(
    agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Somebody else's node: taking it back would undo what others sent meanwhile."""
    from ape import networks

    node = AnvilNode().start()
    monkeypatch.setattr(edgeledger.chain, "_STARTED_HERE", set())
    try:
        with networks.parse_network_choice(node.network_choice):
            with state_taken_back() as taken_back:
                contract = deploy_reputation(agent)
            assert not taken_back
            assert code_at(contract.address)
    finally:
        node.stop()


def test_a_fresco_unit__leaves_the_node_as_it_found_it_and_runs_the_same_again(
    accounts: Any,
) -> None:
    application = built_in("mobiar")
    world = build_world(application, SimulationConfig(applications=3), 7, None, None)
    (engine,) = engines_named(["FRESCO"])
    height = chain.blocks.height

    first = _replay_unit(0, application, world, 7, engine, list(accounts), None)
    assert chain.blocks.height == height
    again = _replay_unit(0, application, world, 7, engine, list(accounts), None)

    measured = {"decision_ms_mean", "decision_ms_p50"}
    assert {k: v for k, v in first.items() if k not in measured} == {
        k: v for k, v in again.items() if k not in measured
    }
    assert first["reports_counted"] > 0 and first["score_mismatches"] == 0
