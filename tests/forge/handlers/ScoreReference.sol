// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title The reputation manager's arithmetic, recomputed by a handler from its own inputs
/// @notice As IReputationManager states it: R <- ((1 - w) R + w I), I = (Tc - Texec) / Tc for a
/// success in time, else 0, truncated on the 1,000 scale; each party's net change to a node's
/// score within MAX_INFLUENCE per period (periods counted from deployment).
library ScoreReference {
    uint256 internal constant SCALE = 1000;

    struct Book {
        uint256 weight;
        int256 maxInfluence;
        uint256 periodS;
        uint256 deployedAt;
        mapping(address node => uint256) score;
        mapping(bytes32 partyPeriodNode => int256) influence;
        uint256 moved; // outcomes that moved a score
        uint256 bounded; // outcomes the bound cut short
    }

    function start(Book storage book, uint256 weight, int256 maxInfluence, uint256 periodS) internal {
        (book.weight, book.maxInfluence, book.periodS) = (weight, maxInfluence, periodS);
        book.deployedAt = block.timestamp;
    }

    /// @dev One outcome about `node`, on behalf of `party`.
    function count(
        Book storage book,
        address party,
        address node,
        uint256 execution,
        uint256 constraint,
        bool succeeded
    ) internal {
        uint256 score = book.score[node];
        uint256 incentive =
            succeeded && execution <= constraint ? (constraint - execution) * SCALE / constraint : 0;
        int256 wanted =
            int256(((SCALE - book.weight) * score + book.weight * incentive) / SCALE) - int256(score);
        bytes32 key = keccak256(abi.encode(party, (block.timestamp - book.deployedAt) / book.periodS, node));
        int256 before = book.influence[key];
        int256 after_ = before + wanted;
        if (after_ > book.maxInfluence) after_ = book.maxInfluence;
        if (after_ < -book.maxInfluence) after_ = -book.maxInfluence;
        if (after_ != before + wanted) book.bounded += 1;
        if (after_ != before) book.moved += 1;
        book.influence[key] = after_;
        book.score[node] = uint256(int256(score) + after_ - before);
    }
}
