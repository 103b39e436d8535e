// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IResultVerifier} from "../../interfaces/IResultVerifier.sol";

/// @title k detectors' verdicts, for tasks the chain cannot check
/// @notice The winner misbehaved when at least QUORUM detectors revealed "guilty".
contract QuorumVerifier is IResultVerifier {
    /// @notice Guilty verdicts needed (k).
    uint16 public immutable QUORUM;

    error ZeroQuorum();

    constructor(uint16 quorum) {
        if (quorum == 0) revert ZeroQuorum();
        QUORUM = quorum;
    }

    /// @inheritdoc IResultVerifier
    function name() external pure returns (string memory) {
        return "Quorum";
    }

    /// @inheritdoc IResultVerifier
    function misbehaved(bytes32, bytes32, uint256 guilty, uint256) external view returns (bool) {
        return guilty >= QUORUM;
    }
}
