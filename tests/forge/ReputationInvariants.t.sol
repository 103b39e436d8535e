// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IReputationManager} from "../../interfaces/IReputationManager.sol";
import {ReputationHandler} from "./handlers/ReputationHandler.sol";
import {InvariantTest} from "./Vm.sol";

/// @title The reputation manager under its agent, two reporters, an outcome source and
/// attackers (ReputationHandler). What must hold after every call:
contract ReputationInvariants is InvariantTest {
    ReputationHandler internal handler;
    IReputationManager internal reputation;

    function setUp() public {
        handler = new ReputationHandler();
        reputation = IReputationManager(address(handler.REPUTATION()));
        bytes4[] memory steps = new bytes4[](8);
        steps[0] = ReputationHandler.register.selector;
        steps[1] = ReputationHandler.unregister.selector;
        steps[2] = ReputationHandler.report.selector;
        steps[3] = ReputationHandler.outcome.selector;
        steps[4] = ReputationHandler.reset.selector;
        steps[5] = ReputationHandler.wait.selector;
        steps[6] = ReputationHandler.attack.selector;
        steps[7] = ReputationHandler.registerMany.selector;
        _target(address(handler), steps);
    }

    /// @notice Every score equals the reference's arithmetic on the outcomes counted (the
    /// paper's formula, truncated, each party's influence bounded per period) and stays on the
    /// scale; membership, indices and the active count are the reference's; no attack (a role
    /// not held, a node named twice in one batch, a repeated task id, an unknown node, a zero
    /// constraint, a bad batch) goes through.
    function invariant_reputationPromises() public view {
        require(handler.breaches() == 0, "an attack went through");
        address[12] memory nodes = handler.nodeList();
        require(reputation.getNodeCount() == handler.ghostActive(), "active count differs");
        for (uint256 i = 0; i < nodes.length; ++i) {
            address node = nodes[i];
            (IReputationManager.Membership membership, uint16 score) = reputation.standingOf(node);
            require(uint8(membership) == uint8(handler.ghostMembership(node)), "membership differs");
            if (membership == IReputationManager.Membership.None) continue;
            require(score <= 1000, "score off the scale");
            require(score == handler.ghostScore(node), "score differs from the reference");
            require(reputation.getNodeIndex(node) == handler.ghostIndex(node), "index differs");
        }
    }
}
