// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IResultVerifier} from "../../interfaces/IResultVerifier.sol";

/// @title A verifier whose owner changes how it answers after bids close (test double)
/// @notice Modes: 0 answers "not proved", 1 answers "proved", 2 reverts, 3 burns all the gas it
/// gets, 4 returns nothing, 5 returns a huge buffer. Never deployed by edgeledger.
contract HostileVerifier is IResultVerifier {
    uint8 public mode;

    /// @notice Thrown when asked for a verdict in mode 2.
    error NoVerdict();

    function setMode(uint8 newMode) external {
        mode = newMode;
    }

    function name() external pure returns (string memory) {
        return "Hostile";
    }

    function misbehaved(bytes32, bytes32, uint256, uint256) external view returns (bool) {
        uint8 current = mode;
        if (current == 1) return true;
        if (current == 2) revert NoVerdict();
        if (current == 3) {
            // Bounded only by the gas it is given: the market's budget.
            uint256 spins = 0;
            while (true) ++spins;
        }
        if (current == 4) {
            assembly ("memory-safe") {
                return(0, 0)
            }
        }
        if (current == 5) {
            assembly ("memory-safe") {
                return(0, 100000)
            }
        }
        return false;
    }
}
