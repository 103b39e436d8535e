// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOffloadingPolicy} from "../../interfaces/IOffloadingPolicy.sol";
import {IReputationManager} from "../../interfaces/IReputationManager.sol";
import {PackedServer} from "../libraries/PackedServer.sol";

/// @title Reputation-aware policy: another policy's choice among the servers trusted enough
/// @notice Keeps the candidates whose score in the reputation manager (the same one the DMEC
/// registry reports task outcomes to) is at least MIN_SCORE, and lets INNER choose among them,
/// with the total capacity recomputed over them. When no candidate reaches MIN_SCORE it falls
/// back to the candidate with the highest score (ties to the earliest): a task still gets the
/// least bad server rather than none. Added with `registerPolicy`; the registry is unchanged.
/// @dev Reads every candidate's score in one call (`getReputationScores`); the registry's
/// admission check makes every candidate a known node, so that call does not revert.
contract ReputationAwarePolicy is IOffloadingPolicy {
    /// @notice Where the scores come from.
    IReputationManager public immutable REPUTATION;
    /// @notice The policy that chooses among the trusted candidates.
    IOffloadingPolicy public immutable INNER;
    /// @notice The lowest score a trusted server has, on the reputation manager's scale.
    uint16 public immutable MIN_SCORE;

    /// @notice Thrown when the reputation manager or the inner policy is the zero address.
    error ZeroAddress();
    /// @notice Thrown when the inner policy chooses outside the trusted candidates it was given.
    error InvalidInnerChoice(uint256 index, uint256 candidates);

    /// @param reputation The reputation manager the registry reports to.
    /// @param inner The policy applied to the trusted candidates (edgeledger: DelayAware).
    /// @param minScore Lowest trusted score (edgeledger: 400 of 1,000, below the initial 500
    /// so that a new server is trusted, above what two straight failures leave of it).
    constructor(IReputationManager reputation, IOffloadingPolicy inner, uint16 minScore) {
        if (address(reputation) == address(0) || address(inner) == address(0)) revert ZeroAddress();
        REPUTATION = reputation;
        INNER = inner;
        MIN_SCORE = minScore;
    }

    /// @inheritdoc IOffloadingPolicy
    function name() external pure returns (string memory) {
        return "ReputationAware";
    }

    /// @inheritdoc IOffloadingPolicy
    function selectServer(
        PackedServer[] calldata servers,
        TaskContext calldata task
    ) external view returns (uint256) {
        uint256 count = servers.length;
        address[] memory accounts = new address[](count);
        // Bounded by the registry's MAX_SERVERS, as every policy loop.
        for (uint256 i = 0; i < count; ++i) {
            accounts[i] = servers[i].account();
        }
        uint16[] memory scores = REPUTATION.getReputationScores(accounts);

        PackedServer[] memory trusted = new PackedServer[](count);
        uint256[] memory positions = new uint256[](count);
        uint256 trustedCount = 0;
        uint256 trustedCapacity = 0;
        uint256 best = 0;
        for (uint256 i = 0; i < count; ++i) {
            if (scores[i] > scores[best]) best = i;
            if (scores[i] < MIN_SCORE) continue;
            trusted[trustedCount] = servers[i];
            positions[trustedCount] = i;
            trustedCapacity += servers[i].capacityMcps();
            ++trustedCount;
        }
        if (trustedCount == 0) return best;
        assembly ("memory-safe") {
            mstore(trusted, trustedCount) // shrink in place to the trusted ones
        }
        TaskContext memory context = task;
        // < 2^32: a subset of the registry's total, which is a uint32.
        context.totalCapacityMcps = uint32(trustedCapacity);
        uint256 choice = INNER.selectServer(trusted, context);
        // The registry checks the index against all candidates; only this policy knows how
        // many were trusted.
        if (choice >= trustedCount) revert InvalidInnerChoice(choice, trustedCount);
        return positions[choice];
    }
}
