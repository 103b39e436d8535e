// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CollaborationMarket} from "../../contracts/CollaborationMarket.sol";
import {ReputationManager} from "../../contracts/ReputationManager.sol";
import {ProofOfWorkVerifier} from "../../contracts/verifiers/ProofOfWorkVerifier.sol";
import {QuorumVerifier} from "../../contracts/verifiers/QuorumVerifier.sol";
import {ICollaborationMarket} from "../../interfaces/ICollaborationMarket.sol";
import {IReputationManager} from "../../interfaces/IReputationManager.sol";
import {MarketHandler} from "./handlers/MarketHandler.sol";
import {InvariantTest} from "./Vm.sol";

/// @title The collaboration market wired to a reputation manager, under honest and attacking
/// actors (MarketHandler), with both verifiers. What must hold after every call:
contract MarketInvariants is InvariantTest {
    uint16 internal constant QUORUM = 2;
    MarketHandler internal handler;
    CollaborationMarket internal market;
    ReputationManager internal reputation;

    function setUp() public {
        // edgeledger's defaults (DeployParameters), except a 4-bit puzzle and no minimum score
        // to bid (a slashed node keeps bidding, so slashings recur).
        reputation = new ReputationManager(300, 500, 500, 500, 86_400, 0);
        market = new CollaborationMarket(
            ICollaborationMarket.MarketParameters({
                compensationBps: 5_000,
                reputation: IReputationManager(address(reputation)),
                minBidScore: 0,
                detectorBond: 1e17,
                minScoredIncentive: 1e16,
                minScoredDeposit: 1e17,
                minWindowS: 24,
                maxTermS: 30 days,
                adminDelayS: 0
            })
        );
        ProofOfWorkVerifier proofOfWork = new ProofOfWorkVerifier(4);
        QuorumVerifier quorum = new QuorumVerifier(QUORUM);
        market.listVerifier(proofOfWork);
        market.listVerifier(quorum);
        handler = new MarketHandler(market, reputation, proofOfWork, quorum, QUORUM);
        reputation.grantRole(reputation.OUTCOME_SOURCE_ROLE(), address(market));
        reputation.grantRole(reputation.AGENT_ROLE(), address(handler));
        address[] memory nodes = handler.nodes();
        for (uint256 i = 0; i < nodes.length; ++i) reputation.registerNode(nodes[i]);

        bytes4[] memory steps = new bytes4[](13);
        steps[0] = MarketHandler.post.selector;
        steps[1] = MarketHandler.bid.selector;
        steps[2] = MarketHandler.closeBidding.selector;
        steps[3] = MarketHandler.reclaim.selector;
        steps[4] = MarketHandler.submit.selector;
        steps[5] = MarketHandler.commit.selector;
        steps[6] = MarketHandler.reveal.selector;
        steps[7] = MarketHandler.finalize.selector;
        steps[8] = MarketHandler.claim.selector;
        steps[9] = MarketHandler.withdraw.selector;
        steps[10] = MarketHandler.wait.selector;
        steps[11] = MarketHandler.leaveOrReturn.selector;
        steps[12] = MarketHandler.attack.selector;
        _target(address(handler), steps);
    }

    /// @notice One campaign checks every promise after each call (one campaign per suite keeps
    /// make test's budget).
    function invariant_marketPromises() public view {
        _balanceIsWhatItOwes();
        _noAttackGoesThrough();
        _verdictsFollowTheResult();
        _recordsAndScores();
    }

    /// @notice The balance is what the market owes: held incentives, deposits, bonds and
    /// payouts, plus credits, as the handler's reference counts them; and every wei paid in is
    /// either still there or was withdrawn.
    function _balanceIsWhatItOwes() internal view {
        address[] memory actors = handler.actors();
        uint256 credits = 0;
        for (uint256 i = 0; i < actors.length; ++i) {
            uint256 owed = handler.ghostCredit(actors[i]);
            require(market.creditOf(actors[i]) == owed, "a credit differs from the reference");
            credits += owed;
        }
        require(address(market).balance == handler.ghostHeld() + credits, "balance != owed");
        require(handler.paidIn() == handler.withdrawn() + address(market).balance, "wei lost");
    }

    /// @notice Nothing is paid twice and no attack goes through: a second claim, reclaim or
    /// finalize, a Sybil's, requester's or winner's report, a requester's bid on its own
    /// request, a reveal that contradicts its commitment, a late commitment, a role not held.
    function _noAttackGoesThrough() internal view {
        require(handler.breaches() == 0, "an attack went through");
    }

    /// @notice An honest winner is never slashed (the colluder alone is below the quorum), and
    /// a proof-of-work cheater is always slashed once a detector reveals.
    function _verdictsFollowTheResult() internal view {
        require(handler.honestWinnersSlashed() == 0, "an honest winner was slashed");
        require(handler.cheatersEscaped() == 0, "a cheater escaped");
    }

    /// @notice The market's record of each node (n misbehaviours of m tasks won) counts only
    /// requests at the scored stakes, and every score stays on the scale.
    function _recordsAndScores() internal view {
        address[] memory nodes = handler.nodes();
        for (uint256 i = 0; i < nodes.length; ++i) {
            ICollaborationMarket.NodeReputation memory record = market.reputationOf(nodes[i]);
            require(record.allocated == handler.ghostAllocated(nodes[i]), "m differs");
            require(record.misbehaviours == handler.ghostMisbehaviours(nodes[i]), "n differs");
            require(reputation.getReputationScore(nodes[i]) <= 1000, "score off the scale");
        }
    }
}
