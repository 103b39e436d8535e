// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IResultVerifier} from "../../interfaces/IResultVerifier.sol";

/// @title The paper's own task: an easy proof-of-work puzzle the chain checks itself
/// @notice A result (nonce) solves the task (challenge) when keccak256(abi.encode(challenge,
/// nonce)) has DIFFICULTY_BITS leading zero bits. Once any detector reveals a report, a wrong
/// nonce is proved wrong by this check alone, whatever the verdicts say: no trust needed.
contract ProofOfWorkVerifier is IResultVerifier {
    /// @notice Leading zero bits a solution's hash needs.
    uint8 public immutable DIFFICULTY_BITS;

    /// @notice Thrown when the difficulty is outside 1..64 bits.
    error InvalidDifficulty(uint8 bits);

    constructor(uint8 difficultyBits) {
        if (difficultyBits == 0 || difficultyBits > 64) revert InvalidDifficulty(difficultyBits);
        DIFFICULTY_BITS = difficultyBits;
    }

    /// @inheritdoc IResultVerifier
    function name() external pure returns (string memory) {
        return "ProofOfWork";
    }

    /// @inheritdoc IResultVerifier
    function misbehaved(
        bytes32 task,
        bytes32 result,
        uint256,
        uint256 revealed
    ) external view returns (bool) {
        return revealed > 0 && !solves(task, result);
    }

    /// @notice Whether `nonce` solves `challenge`.
    function solves(bytes32 challenge, bytes32 nonce) public view returns (bool) {
        return uint256(keccak256(abi.encode(challenge, nonce))) >> (256 - DIFFICULTY_BITS) == 0;
    }
}
