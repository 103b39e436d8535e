// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IResultVerifier} from "../../interfaces/IResultVerifier.sol";

/// @title A majority of the detectors' verdicts, for tasks the chain cannot check
/// @notice The winner misbehaved when more than half of the revealed reports say "guilty" and
/// at least QUORUM of them do. A fixed count of anyone's verdicts could be bought with that
/// many fresh addresses; a majority has to outnumber the honest detectors who reveal, and the
/// market makes every detector stake a bond that the losing side forfeits.
contract QuorumVerifier is IResultVerifier {
    /// @notice The fewest guilty verdicts that can prove a misbehaviour.
    uint16 public immutable QUORUM;

    /// @notice Thrown when the quorum is zero.
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
    function misbehaved(
        bytes32,
        bytes32,
        uint256 guilty,
        uint256 revealed
    ) external view returns (bool) {
        return guilty >= QUORUM && 2 * guilty > revealed;
    }
}
