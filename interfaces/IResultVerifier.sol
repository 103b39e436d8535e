// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title How the collaboration market decides that a winner's result is wrong
/// @notice A verifier is a contract of its own, chosen per request: the proof-of-work verifier
/// checks the result on chain; the quorum verifier counts detectors' verdicts for tasks the
/// chain cannot check. Adding one needs no change to the market.
interface IResultVerifier {
    /// @notice A short human-readable name, such as "ProofOfWork".
    function name() external view returns (string memory);

    /// @notice Whether the winner misbehaved.
    /// @param task The request's task (for proof of work: the puzzle's challenge).
    /// @param result What the winner submitted (for proof of work: the nonce).
    /// @param guilty How many detectors revealed "the result is wrong".
    /// @param revealed How many detectors revealed a report at all.
    function misbehaved(
        bytes32 task,
        bytes32 result,
        uint256 guilty,
        uint256 revealed
    ) external view returns (bool);
}
