// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {WiredHandler} from "./handlers/WiredHandler.sol";
import {InvariantTest} from "./Vm.sol";

/// @title The wired deployment: one reputation manager under the DMEC registry, the market and
/// a FRESCO reporter, the same nodes serving DMEC tasks and bidding (WiredHandler). What must
/// hold after every call:
contract WiredInvariants is InvariantTest {
    WiredHandler internal handler;

    function setUp() public {
        handler = new WiredHandler();
        bytes4[] memory steps = new bytes4[](6);
        steps[0] = WiredHandler.dmecTask.selector;
        steps[1] = WiredHandler.marketRound.selector;
        steps[2] = WiredHandler.frescoReport.selector;
        steps[3] = WiredHandler.moveDrone.selector;
        steps[4] = WiredHandler.wait.selector;
        steps[5] = WiredHandler.attack.selector;
        _target(address(handler), steps);
    }

    /// @notice Every node's score is the reference's over the outcomes of all three systems
    /// (each with its own party and influence bound); every DMEC task went where the
    /// reputation-aware policy sends it by that combined score; the market refused every node
    /// under the bar and no role was usurped; every round settled in full (the market holds
    /// nothing) and each actor gained or lost exactly what the settlement rules say.
    function invariant_wiredPromises() public view {
        address[] memory actors = handler.actors();
        for (uint256 i = 0; i < actors.length; ++i) {
            address actor = actors[i];
            require(
                handler.REPUTATION().getReputationScore(actor) == handler.ghostScore(actor),
                "a score differs from the reference over the three systems"
            );
            require(handler.netOf(actor) == handler.ghostNet(actor), "an actor's wei differ from the rules");
        }
        require(handler.wrongChoices() == 0, "a task went elsewhere than the policy's choice");
        require(handler.breaches() == 0, "an attack went through");
        require(address(handler.MARKET()).balance == 0, "a settled market holds wei");
        require(handler.paidIn() == handler.withdrawn(), "wei paid in were not all paid out");
    }
}
