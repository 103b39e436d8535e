// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {CollaborationMarket} from "../../../contracts/CollaborationMarket.sol";
import {ReputationManager} from "../../../contracts/ReputationManager.sol";
import {GuardedCalls} from "../../../contracts/libraries/GuardedCalls.sol";
import {HostileVerifier} from "../../../contracts/testing/HostileVerifier.sol";
import {ReentrantRequester} from "../../../contracts/testing/ReentrantRequester.sol";
import {ProofOfWorkVerifier} from "../../../contracts/verifiers/ProofOfWorkVerifier.sol";
import {QuorumVerifier} from "../../../contracts/verifiers/QuorumVerifier.sol";
import {ICollaborationMarket} from "../../../interfaces/ICollaborationMarket.sol";
import {IReputationManager} from "../../../interfaces/IReputationManager.sol";
import {IResultVerifier} from "../../../interfaces/IResultVerifier.sol";
import {VM} from "../Vm.sol";

/// @dev Cheatcodes the unit tests use beyond tests/forge/Vm.sol (forge implements them all).
interface VmUnits {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory);
    function etch(address target, bytes calldata code) external;
}

VmUnits constant VMU = VmUnits(address(uint160(uint256(keccak256("hevm cheat code")))));

/// @title Shared deployment and steps of the market's unit tests
/// @notice `market` is wired to a reputation manager as edgeledger deploys it (the market is an
/// outcome source, every actor but `outsider` a node); `bare` is a market on its own (no
/// reputation manager), as in the paper. Both list the proof-of-work (4 bits), quorum (2) and
/// hostile verifiers.
abstract contract MarketFixture {
    uint256 internal constant PPM = 1_000_000;
    uint256 internal constant T0 = 1_000_000;
    uint16 internal constant COMPENSATION_BPS = 5_000;
    uint96 internal constant BOND = 1e17;
    uint96 internal constant MIN_SCORED_INCENTIVE = 1e16;
    uint96 internal constant MIN_SCORED_DEPOSIT = 1e17;
    uint32 internal constant MIN_WINDOW = 24;
    uint32 internal constant MAX_TERM = 30 days;
    uint96 internal constant INCENTIVE = 1e17;
    uint96 internal constant DEPOSIT = 2e17;
    uint40 internal constant BIDDING_S = 300;
    uint32 internal constant MAX_DELAY = 600;
    uint32 internal constant WINDOW = 100;
    uint16 internal constant QUORUM = 2;
    bytes32 internal constant TASK = keccak256("task");

    CollaborationMarket internal market;
    CollaborationMarket internal bare;
    ReputationManager internal reputation;
    ProofOfWorkVerifier internal pow;
    QuorumVerifier internal quorum;
    HostileVerifier internal hostile;

    address internal requester;
    address internal bidder1;
    address internal bidder2;
    address internal bidder3;
    address internal detector1;
    address internal detector2;
    address internal detector3;
    address internal detector4;
    address internal outsider; // no node

    mapping(address market => mapping(uint256 requestId => uint256)) internal deadlineOf;

    function setUp() public virtual {
        VM.warp(T0);
        VM.deal(address(this), 100 ether);
        reputation = new ReputationManager(300, 500, 500, 500, 86_400, 0);
        market = new CollaborationMarket(_parameters(IReputationManager(address(reputation)), 0));
        bare = new CollaborationMarket(_parameters(IReputationManager(address(0)), 0));
        pow = new ProofOfWorkVerifier(4);
        quorum = new QuorumVerifier(QUORUM);
        hostile = new HostileVerifier();
        _listAll(market);
        _listAll(bare);
        reputation.grantRole(reputation.OUTCOME_SOURCE_ROLE(), address(market));

        requester = _actor("requester", 1, true);
        bidder1 = _actor("bidder1", 2, true);
        bidder2 = _actor("bidder2", 3, true);
        bidder3 = _actor("bidder3", 4, true);
        detector1 = _actor("detector1", 5, true);
        detector2 = _actor("detector2", 6, true);
        detector3 = _actor("detector3", 7, true);
        detector4 = _actor("detector4", 8, true);
        outsider = _actor("outsider", 9, false);
    }

    // ---------------------------------------------------------------- deployment

    function _parameters(
        IReputationManager manager,
        uint16 minBidScore
    ) internal pure returns (ICollaborationMarket.MarketParameters memory) {
        return ICollaborationMarket.MarketParameters({
            compensationBps: COMPENSATION_BPS,
            reputation: manager,
            minBidScore: minBidScore,
            detectorBond: BOND,
            minScoredIncentive: MIN_SCORED_INCENTIVE,
            minScoredDeposit: MIN_SCORED_DEPOSIT,
            minWindowS: MIN_WINDOW,
            maxTermS: MAX_TERM,
            adminDelayS: 0
        });
    }

    function _listAll(CollaborationMarket m) internal {
        m.listVerifier(pow);
        m.listVerifier(quorum);
        m.listVerifier(hostile);
    }

    function _actor(string memory name, uint256 key, bool node) internal returns (address account) {
        account = VM.addr(key);
        VM.label(account, name);
        VM.deal(account, 1_000 ether);
        if (node) reputation.registerNode(account);
    }

    // ---------------------------------------------------------------- steps

    function _terms(IResultVerifier verifier) internal view returns (ICollaborationMarket.RequestTerms memory) {
        return ICollaborationMarket.RequestTerms({
            task: TASK,
            verifier: verifier,
            biddingDeadline: uint40(block.timestamp + BIDDING_S),
            maxDelayS: MAX_DELAY,
            verificationWindowS: WINDOW,
            minDeposit: DEPOSIT,
            maxMisbehaviourPpm: uint32(PPM)
        });
    }

    function _postWith(
        CollaborationMarket m,
        address from,
        ICollaborationMarket.RequestTerms memory terms,
        uint256 incentive
    ) internal returns (uint256 id) {
        VM.prank(from);
        id = m.postRequest{value: incentive}(terms);
        deadlineOf[address(m)][id] = terms.biddingDeadline;
    }

    function _post(CollaborationMarket m, IResultVerifier verifier) internal returns (uint256) {
        return _postWith(m, requester, _terms(verifier), INCENTIVE);
    }

    function _bid(CollaborationMarket m, uint256 id, address bidder, uint256 deposit, uint32 cost, uint32 capability)
        internal
    {
        VM.prank(bidder);
        m.placeBid{value: deposit}(id, cost, capability);
    }

    function _close(CollaborationMarket m, uint256 id) internal {
        uint256 deadline = deadlineOf[address(m)][id];
        if (block.timestamp <= deadline) VM.warp(deadline + 1);
        m.closeBidding(id);
    }

    /// @dev Posted, bidder1 alone bids DEPOSIT, bidding closed: bidder1 must deliver.
    function _executing(CollaborationMarket m, IResultVerifier verifier) internal returns (uint256 id) {
        id = _post(m, verifier);
        _bid(m, id, bidder1, DEPOSIT, 10, 100);
        _close(m, id);
    }

    function _verifying(CollaborationMarket m, IResultVerifier verifier, bytes32 result)
        internal
        returns (uint256 id)
    {
        id = _executing(m, verifier);
        VM.prank(bidder1);
        m.submitResult(id, result);
    }

    function _commitment(uint256 id, address detector, bool guilty, bytes32 salt) internal pure returns (bytes32) {
        return keccak256(abi.encode(id, detector, guilty, salt));
    }

    function _commit(CollaborationMarket m, uint256 id, address detector, bool guilty) internal {
        VM.prank(detector);
        m.commitReport{value: BOND}(id, _commitment(id, detector, guilty, _salt(detector)));
    }

    function _reveal(CollaborationMarket m, uint256 id, address detector, bool guilty) internal {
        uint256 revealFrom = m.getRequest(id).revealFrom;
        if (block.timestamp < revealFrom) VM.warp(revealFrom);
        VM.prank(detector);
        m.revealReport(id, guilty, _salt(detector));
    }

    function _finalize(CollaborationMarket m, uint256 id) internal {
        uint256 verifyUntil = m.getRequest(id).verifyUntil;
        if (block.timestamp <= verifyUntil) VM.warp(verifyUntil + 1);
        m.finalize(id);
    }

    function _salt(address detector) internal pure returns (bytes32) {
        return keccak256(abi.encode("salt", detector));
    }

    function _claim(CollaborationMarket m, uint256 id, address detector) internal {
        VM.prank(detector);
        m.claimReward(id);
    }

    // ---------------------------------------------------------------- checks

    function _eq(uint256 actual, uint256 expected, string memory what) internal pure {
        if (actual != expected) {
            revert(string.concat(what, ": ", _toString(actual), " != ", _toString(expected)));
        }
    }

    function _toString(uint256 value) internal pure returns (string memory) {
        if (value == 0) return "0";
        bytes memory digits = new bytes(78);
        uint256 n = 78;
        while (value != 0) {
            digits[--n] = bytes1(uint8(48 + value % 10));
            value /= 10;
        }
        bytes memory out = new bytes(78 - n);
        for (uint256 i = 0; i < out.length; ++i) out[i] = digits[n + i];
        return string(out);
    }

    function _phase(CollaborationMarket m, uint256 id) internal view returns (ICollaborationMarket.Phase) {
        return m.getRequest(id).phase;
    }

    /// @dev How many recorded logs `emitter` sent with this topic0 (and topic1, unless zero).
    function _count(VmUnits.Log[] memory logs, address emitter, bytes32 topic0, bytes32 topic1)
        internal
        pure
        returns (uint256 found)
    {
        for (uint256 i = 0; i < logs.length; ++i) {
            VmUnits.Log memory log = logs[i];
            if (log.emitter != emitter || log.topics.length == 0 || log.topics[0] != topic0) continue;
            if (topic1 != bytes32(0) && (log.topics.length < 2 || log.topics[1] != topic1)) continue;
            ++found;
        }
    }

    function _selector(bytes memory data) internal pure returns (bytes4 selector) {
        if (data.length < 4) return bytes4(0);
        assembly ("memory-safe") {
            selector := mload(add(data, 0x20))
        }
    }
}

/// @dev Proof-of-work nonces that do and do not solve a challenge (a few tries at 4 bits).
library ProofOfWorkSolutions {
    function nonce(ProofOfWorkVerifier verifier, bytes32 challenge, bool solving) internal view returns (bytes32) {
        for (uint256 i = 0; i < 1_000; ++i) {
            if (verifier.solves(challenge, bytes32(i)) == solving) return bytes32(i);
        }
        revert("no nonce found");
    }
}

/// @dev Receives nothing: its credit cannot be paid out.
contract RefusingRequester {
    function post(CollaborationMarket market, ICollaborationMarket.RequestTerms calldata terms)
        external
        payable
        returns (uint256)
    {
        return market.postRequest{value: msg.value}(terms);
    }

    function withdraw(CollaborationMarket market) external {
        market.withdraw();
    }
}

/// @title Constructor, admin, pause and views of CollaborationMarket
contract MarketAdminUnits is MarketFixture {
    function _expectInvalidTerms(string memory what) internal {
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.InvalidTerms.selector, what));
    }

    function test_constructor_setsImmutablesAndRoles() public view {
        _eq(market.COMPENSATION_BPS(), COMPENSATION_BPS, "compensation");
        require(address(market.REPUTATION()) == address(reputation), "reputation");
        require(address(bare.REPUTATION()) == address(0), "bare reputation");
        _eq(market.MIN_BID_SCORE(), 0, "min bid score");
        _eq(market.DETECTOR_BOND(), BOND, "bond");
        _eq(market.MIN_SCORED_INCENTIVE(), MIN_SCORED_INCENTIVE, "min scored incentive");
        _eq(market.MIN_SCORED_DEPOSIT(), MIN_SCORED_DEPOSIT, "min scored deposit");
        _eq(market.MIN_WINDOW_S(), MIN_WINDOW, "min window");
        _eq(market.MAX_TERM_S(), MAX_TERM, "max term");
        _eq(market.MAX_BIDS(), 64, "max bids");
        _eq(market.PPM(), PPM, "ppm");
        _eq(market.BPS(), 10_000, "bps");
        require(market.hasRole(market.VERIFIER_ADMIN_ROLE(), address(this)), "verifier admin");
        require(market.hasRole(market.PAUSER_ROLE(), address(this)), "pauser");
        require(market.hasRole(market.DEFAULT_ADMIN_ROLE(), address(this)), "admin");
        _eq(market.requestCount(), 0, "no request yet");
    }

    function test_constructor_compensationAbove100PercentReverts() public {
        ICollaborationMarket.MarketParameters memory p = _parameters(IReputationManager(address(0)), 0);
        p.compensationBps = 10_001;
        _expectInvalidTerms("compensation above 100%");
        new CollaborationMarket(p);
    }

    function test_constructor_compensationOf100PercentIsAccepted() public {
        ICollaborationMarket.MarketParameters memory p = _parameters(IReputationManager(address(0)), 0);
        p.compensationBps = 10_000;
        _eq(new CollaborationMarket(p).COMPENSATION_BPS(), 10_000, "compensation");
    }

    function test_constructor_zeroBondReverts() public {
        ICollaborationMarket.MarketParameters memory p = _parameters(IReputationManager(address(0)), 0);
        p.detectorBond = 0;
        _expectInvalidTerms("detector bond outside 1..2^80");
        new CollaborationMarket(p);
    }

    function test_constructor_bondAbove2To80Reverts() public {
        ICollaborationMarket.MarketParameters memory p = _parameters(IReputationManager(address(0)), 0);
        p.detectorBond = uint96(type(uint80).max) + 1;
        _expectInvalidTerms("detector bond outside 1..2^80");
        new CollaborationMarket(p);
        p.detectorBond = type(uint80).max;
        _eq(new CollaborationMarket(p).DETECTOR_BOND(), type(uint80).max, "largest bond");
    }

    function test_constructor_minWindowBelow2Reverts() public {
        ICollaborationMarket.MarketParameters memory p = _parameters(IReputationManager(address(0)), 0);
        p.minWindowS = 1;
        _expectInvalidTerms("windows: 2 <= minimum <= maximum");
        new CollaborationMarket(p);
    }

    function test_constructor_maxTermBelowMinWindowReverts() public {
        ICollaborationMarket.MarketParameters memory p = _parameters(IReputationManager(address(0)), 0);
        p.minWindowS = 100;
        p.maxTermS = 99;
        _expectInvalidTerms("windows: 2 <= minimum <= maximum");
        new CollaborationMarket(p);
        p.maxTermS = 100;
        _eq(new CollaborationMarket(p).MAX_TERM_S(), 100, "term equal to the window");
    }

    function test_listVerifier_listsByCodeHash() public {
        HostileVerifier fresh = new HostileVerifier();
        require(!market.isListedVerifier(fresh), "listed before");
        market.listVerifier(fresh);
        require(market.isListedVerifier(fresh), "not listed");
    }

    function test_listVerifier_refusesAnAccountWithoutCode() public {
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.VerifierNotContract.selector, outsider));
        market.listVerifier(IResultVerifier(outsider));
        require(!market.isListedVerifier(IResultVerifier(outsider)), "an EOA listed");
    }

    function test_listVerifier_needsTheRole() public {
        HostileVerifier fresh = new HostileVerifier();
        bytes32 role = market.VERIFIER_ADMIN_ROLE();
        VM.prank(outsider);
        VM.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, outsider, role)
        );
        market.listVerifier(fresh);
    }

    function test_delistVerifier_removesTheVerifier() public {
        market.delistVerifier(quorum);
        require(!market.isListedVerifier(quorum), "still listed");
        ICollaborationMarket.RequestTerms memory terms = _terms(quorum);
        VM.prank(requester);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.VerifierNotListed.selector, quorum));
        market.postRequest{value: INCENTIVE}(terms);
    }

    function test_delistVerifier_notListedReverts() public {
        HostileVerifier fresh = new HostileVerifier();
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.VerifierNotListed.selector, fresh));
        market.delistVerifier(fresh);
    }

    function test_delistVerifier_needsTheRole() public {
        bytes32 role = market.VERIFIER_ADMIN_ROLE();
        VM.prank(outsider);
        VM.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, outsider, role)
        );
        market.delistVerifier(quorum);
        require(market.isListedVerifier(quorum), "delisted by an outsider");
    }

    function test_isListedVerifier_falseOnceTheCodeChanges() public {
        HostileVerifier fresh = new HostileVerifier();
        market.listVerifier(fresh);
        VMU.etch(address(fresh), address(pow).code);
        require(!market.isListedVerifier(fresh), "listed with other code");
        ICollaborationMarket.RequestTerms memory terms = _terms(fresh);
        VM.prank(requester);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.VerifierNotListed.selector, fresh));
        market.postRequest{value: INCENTIVE}(terms);
    }

    function test_pause_stopsPostsAndBidsUntilUnpaused() public {
        uint256 id = _post(market, quorum);
        market.pause();
        require(market.paused(), "not paused");
        ICollaborationMarket.RequestTerms memory terms = _terms(quorum);
        VM.prank(requester);
        VM.expectRevert(Pausable.EnforcedPause.selector);
        market.postRequest{value: INCENTIVE}(terms);
        VM.prank(bidder1);
        VM.expectRevert(Pausable.EnforcedPause.selector);
        market.placeBid{value: DEPOSIT}(id, 1, 1);
        market.unpause();
        require(!market.paused(), "still paused");
        _bid(market, id, bidder1, DEPOSIT, 1, 1);
        _eq(market.getBid(id, bidder1), DEPOSIT, "bid after unpause");
    }

    function test_pause_needsTheRole() public {
        bytes32 role = market.PAUSER_ROLE();
        VM.prank(outsider);
        VM.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, outsider, role)
        );
        market.pause();
        market.pause();
        VM.prank(outsider);
        VM.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, outsider, role)
        );
        market.unpause();
        require(market.paused(), "unpaused by an outsider");
    }

    function test_unpause_whenNotPausedReverts() public {
        VM.expectRevert(Pausable.ExpectedPause.selector);
        market.unpause();
    }

    function test_bidScore_matchesTheFormula() public view {
        // capability * 2^32 * (1 - n/m) / cost
        _eq(market.bidScore(1, 1, 0), 1 << 32, "unit");
        _eq(market.bidScore(4, 10, 0), (uint256(10) << 32) / 4, "no misbehaviour");
        _eq(market.bidScore(4, 10, 250_000), (uint256(10) << 32) * 750_000 / (4 * PPM), "a quarter");
        _eq(market.bidScore(1, type(uint32).max, 0), uint256(type(uint32).max) << 32, "largest");
        _eq(market.bidScore(7, 0, 0), 0, "no capability");
    }

    function test_bidScore_misbehaviourAboveOneCountsAsOne() public view {
        _eq(market.bidScore(1, 1000, PPM), 0, "at one");
        _eq(market.bidScore(1, 1000, 5 * PPM), 0, "above one");
    }

    function test_bidScore_zeroCostReverts() public {
        VM.expectRevert(ICollaborationMarket.ZeroCost.selector);
        market.bidScore(0, 1, 0);
    }

    function test_getRequest_unknownReverts() public {
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.UnknownRequest.selector, 1));
        market.getRequest(1);
    }

    function test_getRequest_winnerHiddenWhileBidding() public {
        uint256 id = _post(market, quorum);
        _bid(market, id, bidder1, DEPOSIT, 1, 1);
        ICollaborationMarket.RequestInfo memory info = market.getRequest(id);
        require(info.winner == address(0), "winner shown while bidding");
        _eq(info.bids, 1, "bids");
        _close(market, id);
        require(market.getRequest(id).winner == bidder1, "winner not shown once closed");
    }

    function test_views_ofAnUnknownNode() public view {
        ICollaborationMarket.NodeReputation memory record = market.reputationOf(outsider);
        _eq(record.allocated + record.misbehaviours + record.returned + record.staked, 0, "empty record");
        _eq(market.misbehaviourPpm(outsider), 0, "no task: 0 ppm");
        _eq(market.creditOf(outsider), 0, "no credit");
        _eq(market.getBid(1, outsider), 0, "no bid");
    }
}

/// @title postRequest, placeBid, closeBidding, reclaimDeposit
contract MarketBiddingUnits is MarketFixture {
    function _expectInvalidPost(ICollaborationMarket.RequestTerms memory terms, uint256 value, string memory what)
        internal
    {
        VM.prank(requester);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.InvalidTerms.selector, what));
        market.postRequest{value: value}(terms);
    }

    // ---------------------------------------------------------------- postRequest

    function test_postRequest_holdsTheIncentiveAndRecordsTheTerms() public {
        uint256 balance = address(market).balance;
        uint256 id = _post(market, quorum);
        _eq(id, 1, "first id");
        _eq(market.requestCount(), 1, "count");
        _eq(address(market).balance, balance + INCENTIVE, "incentive held");
        ICollaborationMarket.RequestInfo memory info = market.getRequest(id);
        require(info.requester == requester, "requester");
        require(info.phase == ICollaborationMarket.Phase.Bidding, "phase");
        _eq(info.incentive, INCENTIVE, "incentive");
        _eq(info.bids, 0, "bids");
        _eq(info.revealFrom + info.verifyUntil + info.committed + info.winnerDeposit, 0, "empty");
        require(info.result == bytes32(0) && !info.slashed, "result or slashed");
        _eq(_post(market, pow), 2, "second id");
    }

    function test_postRequest_withoutIncentiveReverts() public {
        ICollaborationMarket.RequestTerms memory terms = _terms(quorum);
        VM.prank(requester);
        VM.expectRevert(ICollaborationMarket.NoIncentive.selector);
        market.postRequest(terms);
    }

    function test_postRequest_incentiveAbove2To96Reverts() public {
        VM.deal(requester, uint256(1) << 97);
        ICollaborationMarket.RequestTerms memory terms = _terms(quorum);
        terms.minDeposit = type(uint96).max;
        _expectInvalidPost(terms, uint256(1) << 96, "incentive above 2^96 wei");
        // The largest incentive is taken.
        VM.prank(requester);
        uint256 id = market.postRequest{value: type(uint96).max}(terms);
        _eq(market.getRequest(id).incentive, type(uint96).max, "largest incentive");
    }

    function test_postRequest_unlistedVerifierReverts() public {
        ICollaborationMarket.RequestTerms memory terms = _terms(IResultVerifier(outsider));
        VM.prank(requester);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.VerifierNotListed.selector, outsider));
        market.postRequest{value: INCENTIVE}(terms);
    }

    function test_postRequest_biddingDeadlineNotInTheFutureReverts() public {
        ICollaborationMarket.RequestTerms memory terms = _terms(quorum);
        terms.biddingDeadline = uint40(block.timestamp);
        _expectInvalidPost(terms, INCENTIVE, "bidding deadline passed");
        terms.biddingDeadline = uint40(block.timestamp - 1);
        _expectInvalidPost(terms, INCENTIVE, "bidding deadline passed");
    }

    function test_postRequest_biddingDeadlineTooFarReverts() public {
        ICollaborationMarket.RequestTerms memory terms = _terms(quorum);
        terms.biddingDeadline = uint40(block.timestamp + MAX_TERM + 1);
        _expectInvalidPost(terms, INCENTIVE, "bidding deadline too far");
        terms.biddingDeadline = uint40(block.timestamp + MAX_TERM);
        _postWith(market, requester, terms, INCENTIVE); // the boundary is accepted
    }

    function test_postRequest_resultDelayOutsideTheTermReverts() public {
        ICollaborationMarket.RequestTerms memory terms = _terms(quorum);
        terms.maxDelayS = 0;
        _expectInvalidPost(terms, INCENTIVE, "result delay outside 1..term");
        terms.maxDelayS = MAX_TERM + 1;
        _expectInvalidPost(terms, INCENTIVE, "result delay outside 1..term");
        terms.maxDelayS = MAX_TERM;
        _postWith(market, requester, terms, INCENTIVE);
    }

    function test_postRequest_windowOutsideMinimumAndTermReverts() public {
        ICollaborationMarket.RequestTerms memory terms = _terms(quorum);
        terms.verificationWindowS = MIN_WINDOW - 1;
        _expectInvalidPost(terms, INCENTIVE, "window outside minimum..term");
        terms.verificationWindowS = MAX_TERM + 1;
        _expectInvalidPost(terms, INCENTIVE, "window outside minimum..term");
        terms.verificationWindowS = MIN_WINDOW;
        _postWith(market, requester, terms, INCENTIVE);
    }

    function test_postRequest_misbehaviourBoundAboveOneReverts() public {
        ICollaborationMarket.RequestTerms memory terms = _terms(quorum);
        terms.maxMisbehaviourPpm = uint32(PPM + 1);
        _expectInvalidPost(terms, INCENTIVE, "misbehaviour bound above 1");
    }

    function test_postRequest_minimumDepositBelowIncentiveReverts() public {
        ICollaborationMarket.RequestTerms memory terms = _terms(quorum);
        terms.minDeposit = INCENTIVE - 1;
        _expectInvalidPost(terms, INCENTIVE, "minimum deposit below incentive");
        terms.minDeposit = INCENTIVE;
        _postWith(market, requester, terms, INCENTIVE);
    }

    // ---------------------------------------------------------------- placeBid

    function test_placeBid_holdsTheDeposit() public {
        uint256 id = _post(market, quorum);
        uint256 balance = address(market).balance;
        _bid(market, id, bidder1, DEPOSIT + 5, 3, 9);
        _eq(address(market).balance, balance + DEPOSIT + 5, "deposit held");
        _eq(market.getBid(id, bidder1), DEPOSIT + 5, "bid");
        _eq(market.getRequest(id).bids, 1, "bids");
    }

    function test_placeBid_unknownRequestReverts() public {
        VM.prank(bidder1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.UnknownRequest.selector, 7));
        market.placeBid{value: DEPOSIT}(7, 1, 1);
    }

    function test_placeBid_afterBiddingClosedReverts() public {
        uint256 id = _executing(market, quorum);
        VM.prank(bidder2);
        VM.expectRevert(
            abi.encodeWithSelector(
                ICollaborationMarket.WrongPhase.selector, id, ICollaborationMarket.Phase.Executing
            )
        );
        market.placeBid{value: DEPOSIT}(id, 1, 1);
    }

    function test_placeBid_afterTheDeadlineReverts() public {
        uint256 id = _post(market, quorum);
        uint256 deadline = deadlineOf[address(market)][id];
        VM.warp(deadline);
        _bid(market, id, bidder1, DEPOSIT, 1, 1); // the last second is in
        VM.warp(deadline + 1);
        VM.prank(bidder2);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.BiddingClosedAt.selector, id, deadline));
        market.placeBid{value: DEPOSIT}(id, 1, 1);
    }

    function test_placeBid_byTheRequesterReverts() public {
        uint256 id = _post(market, quorum);
        VM.prank(requester);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.RequesterCannotBid.selector, id));
        market.placeBid{value: DEPOSIT}(id, 1, 1);
    }

    function test_placeBid_tooManyBidsReverts() public {
        uint256 id = _post(bare, quorum);
        for (uint256 i = 0; i < 64; ++i) {
            address bidder = address(uint160(0x10000 + i));
            VM.deal(bidder, DEPOSIT);
            _bid(bare, id, bidder, DEPOSIT, 1, 1);
        }
        _eq(bare.getRequest(id).bids, 64, "bids");
        VM.prank(bidder1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.TooManyBids.selector, id, 64));
        bare.placeBid{value: DEPOSIT}(id, 1, 1);
    }

    function test_placeBid_depositBelowMinimumReverts() public {
        uint256 id = _post(market, quorum);
        VM.prank(bidder1);
        VM.expectRevert(
            abi.encodeWithSelector(ICollaborationMarket.DepositTooSmall.selector, DEPOSIT - 1, DEPOSIT)
        );
        market.placeBid{value: DEPOSIT - 1}(id, 1, 1);
    }

    function test_placeBid_depositAbove2To96Reverts() public {
        uint256 id = _post(market, quorum);
        VM.deal(bidder1, uint256(1) << 97);
        VM.prank(bidder1);
        VM.expectRevert(
            abi.encodeWithSelector(ICollaborationMarket.InvalidTerms.selector, "deposit above 2^96 wei")
        );
        market.placeBid{value: uint256(1) << 96}(id, 1, 1);
    }

    function test_placeBid_zeroCostReverts() public {
        uint256 id = _post(market, quorum);
        VM.prank(bidder1);
        VM.expectRevert(ICollaborationMarket.ZeroCost.selector);
        market.placeBid{value: DEPOSIT}(id, 0, 1);
    }

    function test_placeBid_twiceReverts() public {
        uint256 id = _post(market, quorum);
        _bid(market, id, bidder1, DEPOSIT, 1, 1);
        VM.prank(bidder1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.AlreadyBid.selector, id, bidder1));
        market.placeBid{value: DEPOSIT}(id, 2, 2);
    }

    function test_placeBid_byANonNodeReverts() public {
        uint256 id = _post(market, quorum);
        VM.prank(outsider);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NotReputationNode.selector, outsider));
        market.placeBid{value: DEPOSIT}(id, 1, 1);
        // A node that left is no node either.
        VM.prank(bidder2);
        reputation.unregisterNode(bidder2);
        VM.prank(bidder2);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NotReputationNode.selector, bidder2));
        market.placeBid{value: DEPOSIT}(id, 1, 1);
        // Without a reputation manager anyone may bid.
        uint256 bareId = _post(bare, quorum);
        _bid(bare, bareId, outsider, DEPOSIT, 1, 1);
        _eq(bare.getBid(bareId, outsider), DEPOSIT, "outsider's bid on the bare market");
    }

    function test_placeBid_scoreBelowTheMinimumReverts() public {
        CollaborationMarket strict = new CollaborationMarket(_parameters(IReputationManager(address(reputation)), 600));
        strict.listVerifier(quorum);
        uint256 id = _post(strict, quorum);
        VM.prank(bidder1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.ReputationTooLow.selector, bidder1, 500, 600));
        strict.placeBid{value: DEPOSIT}(id, 1, 1);

        CollaborationMarket exact = new CollaborationMarket(_parameters(IReputationManager(address(reputation)), 500));
        exact.listVerifier(quorum);
        uint256 exactId = _post(exact, quorum);
        _bid(exact, exactId, bidder1, DEPOSIT, 1, 1); // the minimum itself may bid
        _eq(exact.getBid(exactId, bidder1), DEPOSIT, "bid at the minimum");
    }

    function test_placeBid_slashedNodeNotEligible() public {
        // bidder1 wins, delivers nothing, is slashed: n/m = 1.
        uint256 first = _executing(market, quorum);
        VM.warp(deadlineOf[address(market)][first] + MAX_DELAY + 1);
        market.finalize(first);
        _eq(market.misbehaviourPpm(bidder1), PPM, "slashed once in one task");

        ICollaborationMarket.RequestTerms memory terms = _terms(quorum);
        terms.maxMisbehaviourPpm = uint32(PPM - 1);
        uint256 id = _postWith(market, requester, terms, INCENTIVE);
        VM.prank(bidder1);
        VM.expectRevert(
            abi.encodeWithSelector(ICollaborationMarket.NotEligible.selector, bidder1, PPM, PPM - 1)
        );
        market.placeBid{value: DEPOSIT}(id, 1, 1);
    }

    function test_placeBid_bestScoreWinsTiesGoToTheEarlierBid() public {
        uint256 id = _post(market, quorum);
        _bid(market, id, bidder1, DEPOSIT, 10, 100); // score 10 * 2^32
        _bid(market, id, bidder2, DEPOSIT, 5, 50); // tie: the earlier stays best
        _bid(market, id, bidder3, DEPOSIT, 10, 99); // worse
        _close(market, id);
        require(market.getRequest(id).winner == bidder1, "a tie or a worse bid took the lead");

        uint256 next = _post(market, quorum);
        _bid(market, next, bidder1, DEPOSIT, 10, 100);
        _bid(market, next, bidder2, DEPOSIT, 10, 101); // strictly better
        _close(market, next);
        require(market.getRequest(next).winner == bidder2, "the better bid lost");
    }

    // ---------------------------------------------------------------- closeBidding

    function test_closeBidding_unknownReverts() public {
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.UnknownRequest.selector, 3));
        market.closeBidding(3);
    }

    function test_closeBidding_beforeTheDeadlineReverts() public {
        uint256 id = _post(market, quorum);
        uint256 deadline = deadlineOf[address(market)][id];
        VM.warp(deadline);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.BiddingStillOpen.selector, id, deadline));
        market.closeBidding(id);
    }

    function test_closeBidding_twiceReverts() public {
        uint256 id = _executing(market, quorum);
        VM.expectRevert(
            abi.encodeWithSelector(
                ICollaborationMarket.WrongPhase.selector, id, ICollaborationMarket.Phase.Executing
            )
        );
        market.closeBidding(id);
    }

    function test_closeBidding_withoutBidsGivesTheIncentiveBack() public {
        uint256 id = _post(market, quorum);
        _close(market, id);
        ICollaborationMarket.RequestInfo memory info = market.getRequest(id);
        require(info.phase == ICollaborationMarket.Phase.Finalized, "not finalized");
        require(info.winner == address(0), "a winner without bids");
        _eq(market.creditOf(requester), INCENTIVE, "incentive credited back");
        VM.expectRevert(
            abi.encodeWithSelector(
                ICollaborationMarket.WrongPhase.selector, id, ICollaborationMarket.Phase.Finalized
            )
        );
        market.finalize(id);
    }

    function test_closeBidding_scoredWinnerAccumulatesItsRecord() public {
        uint256 a = _executing(market, quorum);
        uint256 b = _executing(market, quorum);
        ICollaborationMarket.NodeReputation memory record = market.reputationOf(bidder1);
        _eq(record.allocated, 2, "allocated");
        _eq(record.staked, 2 * uint256(DEPOSIT), "staked");
        _eq(record.misbehaviours, 0, "misbehaviours");
        ICollaborationMarket.RequestInfo memory info = market.getRequest(a);
        require(info.phase == ICollaborationMarket.Phase.Executing, "phase");
        _eq(info.winnerDeposit, DEPOSIT, "winner deposit");
        _eq(market.getBid(b, bidder1), DEPOSIT, "a won bid still shows its deposit");
    }

    function test_closeBidding_belowTheScoredStakesLeavesNoRecord() public {
        ICollaborationMarket.RequestTerms memory terms = _terms(quorum);
        terms.minDeposit = MIN_SCORED_INCENTIVE;
        // Incentive below the scored minimum.
        uint256 low = _postWith(market, requester, terms, MIN_SCORED_INCENTIVE - 1);
        _bid(market, low, bidder1, MIN_SCORED_DEPOSIT, 1, 1);
        _close(market, low);
        // Deposit below the scored minimum.
        terms = _terms(quorum);
        terms.minDeposit = MIN_SCORED_INCENTIVE;
        uint256 small = _postWith(market, requester, terms, MIN_SCORED_INCENTIVE);
        _bid(market, small, bidder2, MIN_SCORED_DEPOSIT - 1, 1, 1);
        _close(market, small);
        _eq(market.reputationOf(bidder1).allocated, 0, "low incentive counted");
        _eq(market.reputationOf(bidder2).allocated, 0, "small deposit counted");
        require(market.getRequest(low).winner == bidder1, "winner");
        // Neither finalize moves the record or the score, slashed or not.
        VM.prank(bidder1);
        market.submitResult(low, bytes32("r"));
        _finalize(market, low);
        VM.warp(deadlineOf[address(market)][small] + MAX_DELAY + 1);
        market.finalize(small);
        require(market.getRequest(small).slashed, "late winner not slashed");
        ICollaborationMarket.NodeReputation memory r1 = market.reputationOf(bidder1);
        ICollaborationMarket.NodeReputation memory r2 = market.reputationOf(bidder2);
        _eq(r1.returned + r1.staked + r2.misbehaviours + r2.staked, 0, "records moved");
        _eq(reputation.getReputationScore(bidder1), 500, "score of bidder1 moved");
        _eq(reputation.getReputationScore(bidder2), 500, "score of bidder2 moved");
    }

    function test_closeBidding_aZeroScoreBidNeverWins() public {
        // Score 0 (no capability) is never strictly better than "no bid": closing ends the
        // request as if nobody bid, and the bidder takes its deposit back.
        uint256 id = _post(market, quorum);
        _bid(market, id, bidder1, DEPOSIT, 1, 0);
        _close(market, id);
        ICollaborationMarket.RequestInfo memory info = market.getRequest(id);
        require(info.phase == ICollaborationMarket.Phase.Finalized && info.winner == address(0), "zero score won");
        _eq(market.creditOf(requester), INCENTIVE, "incentive back");
        VM.prank(bidder1);
        market.reclaimDeposit(id);
        _eq(market.creditOf(bidder1), DEPOSIT, "deposit back");
    }

    // ---------------------------------------------------------------- reclaimDeposit

    function test_reclaimDeposit_loserGetsItsDepositOnce() public {
        uint256 id = _post(market, quorum);
        _bid(market, id, bidder1, DEPOSIT, 1, 10);
        _bid(market, id, bidder2, DEPOSIT + 7, 1, 5);
        _close(market, id);
        VM.prank(bidder2);
        market.reclaimDeposit(id);
        _eq(market.creditOf(bidder2), DEPOSIT + 7, "credit");
        _eq(market.getBid(id, bidder2), 0, "a reclaimed bid shows nothing");
        VM.prank(bidder2);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NoBid.selector, id, bidder2));
        market.reclaimDeposit(id);
    }

    function test_reclaimDeposit_unknownReverts() public {
        VM.prank(bidder1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.UnknownRequest.selector, 9));
        market.reclaimDeposit(9);
    }

    function test_reclaimDeposit_whileBiddingReverts() public {
        uint256 id = _post(market, quorum);
        _bid(market, id, bidder1, DEPOSIT, 1, 1);
        VM.prank(bidder1);
        VM.expectRevert(
            abi.encodeWithSelector(ICollaborationMarket.WrongPhase.selector, id, ICollaborationMarket.Phase.Bidding)
        );
        market.reclaimDeposit(id);
    }

    function test_reclaimDeposit_byTheWinnerReverts() public {
        uint256 id = _executing(market, quorum);
        VM.prank(bidder1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.WinnerCannotReclaim.selector, id));
        market.reclaimDeposit(id);
        // Settled: nothing left to reclaim either.
        VM.warp(deadlineOf[address(market)][id] + MAX_DELAY + 1);
        market.finalize(id);
        _eq(market.getBid(id, bidder1), 0, "a settled bid shows nothing");
        VM.prank(bidder1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NoBid.selector, id, bidder1));
        market.reclaimDeposit(id);
    }

    function test_reclaimDeposit_withoutABidReverts() public {
        uint256 id = _executing(market, quorum);
        VM.prank(bidder3);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NoBid.selector, id, bidder3));
        market.reclaimDeposit(id);
    }
}

/// @title submitResult, commitReport, revealReport
contract MarketVerificationUnits is MarketFixture {
    // ---------------------------------------------------------------- submitResult

    function test_submitResult_opensTheWindow() public {
        uint256 id = _executing(market, quorum);
        VM.warp(block.timestamp + 10);
        uint256 submittedAt = block.timestamp;
        VM.prank(bidder1);
        market.submitResult(id, bytes32("result"));
        ICollaborationMarket.RequestInfo memory info = market.getRequest(id);
        require(info.phase == ICollaborationMarket.Phase.Verifying, "phase");
        require(info.result == bytes32("result"), "result");
        _eq(info.revealFrom, submittedAt + WINDOW / 2, "reveal from");
        _eq(info.verifyUntil, submittedAt + WINDOW, "verify until");
    }

    function test_submitResult_unknownOrWrongPhaseReverts() public {
        VM.prank(bidder1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.UnknownRequest.selector, 4));
        market.submitResult(4, bytes32("r"));
        uint256 id = _post(market, quorum);
        VM.prank(bidder1);
        VM.expectRevert(
            abi.encodeWithSelector(ICollaborationMarket.WrongPhase.selector, id, ICollaborationMarket.Phase.Bidding)
        );
        market.submitResult(id, bytes32("r"));
    }

    function test_submitResult_byAnotherThanTheWinnerReverts() public {
        uint256 id = _executing(market, quorum);
        VM.prank(bidder2);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NotWinner.selector, id, bidder2));
        market.submitResult(id, bytes32("r"));
    }

    function test_submitResult_afterTheDeadlineReverts() public {
        uint256 id = _executing(market, quorum);
        uint256 deadline = deadlineOf[address(market)][id] + MAX_DELAY;
        VM.warp(deadline + 1);
        VM.prank(bidder1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.ResultTooLate.selector, id, deadline));
        market.submitResult(id, bytes32("r"));
        VM.warp(deadline); // the last second is in
        VM.prank(bidder1);
        market.submitResult(id, bytes32("r"));
        require(_phase(market, id) == ICollaborationMarket.Phase.Verifying, "not verifying");
    }

    function test_submitResult_twiceReverts() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        VM.prank(bidder1);
        VM.expectRevert(
            abi.encodeWithSelector(
                ICollaborationMarket.WrongPhase.selector, id, ICollaborationMarket.Phase.Verifying
            )
        );
        market.submitResult(id, bytes32("other"));
    }

    // ---------------------------------------------------------------- commitReport

    function test_commitReport_holdsTheBond() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        uint256 balance = address(market).balance;
        _commit(market, id, detector1, true);
        _commit(market, id, bidder2, false); // a losing bidder may report
        _eq(address(market).balance, balance + 2 * uint256(BOND), "bonds held");
        _eq(market.getRequest(id).committed, 2, "committed");
    }

    function test_commitReport_unknownOrBeforeTheResultReverts() public {
        VM.prank(detector1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.UnknownRequest.selector, 5));
        market.commitReport{value: BOND}(5, bytes32("c"));
        uint256 id = _executing(market, quorum);
        VM.prank(detector1);
        VM.expectRevert(
            abi.encodeWithSelector(
                ICollaborationMarket.WrongPhase.selector, id, ICollaborationMarket.Phase.Executing
            )
        );
        market.commitReport{value: BOND}(id, bytes32("c"));
    }

    function test_commitReport_onceRevealsOpenReverts() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        uint256 revealFrom = market.getRequest(id).revealFrom;
        VM.warp(revealFrom - 1);
        _commit(market, id, detector1, false); // the last second of the commit phase
        VM.warp(revealFrom);
        VM.prank(detector2);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.CommitPhaseOver.selector, id, revealFrom));
        market.commitReport{value: BOND}(id, bytes32("c"));
        // Finalized after a result: still "commit phase over".
        _finalize(market, id);
        VM.prank(detector2);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.CommitPhaseOver.selector, id, revealFrom));
        market.commitReport{value: BOND}(id, bytes32("c"));
    }

    function test_commitReport_wrongBondReverts() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        VM.prank(detector1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.WrongBond.selector, BOND - 1, BOND));
        market.commitReport{value: BOND - 1}(id, bytes32("c"));
        VM.prank(detector1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.WrongBond.selector, BOND + 1, BOND));
        market.commitReport{value: BOND + 1}(id, bytes32("c"));
    }

    function test_commitReport_byTheWinnerOrTheRequesterReverts() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        VM.prank(bidder1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.WinnerCannotReport.selector, id));
        market.commitReport{value: BOND}(id, bytes32("c"));
        VM.prank(requester);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.RequesterCannotReport.selector, id));
        market.commitReport{value: BOND}(id, bytes32("c"));
    }

    function test_commitReport_byANonNodeReverts() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        VM.prank(outsider);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NotEligibleDetector.selector, outsider));
        market.commitReport{value: BOND}(id, bytes32("c"));
        // Without a reputation manager anyone may report.
        uint256 bareId = _verifying(bare, quorum, bytes32("r"));
        _commit(bare, bareId, outsider, true);
        _eq(bare.getRequest(bareId).committed, 1, "outsider's commitment on the bare market");
    }

    function test_commitReport_twiceReverts() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        _commit(market, id, detector1, true);
        VM.prank(detector1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.AlreadyCommitted.selector, id, detector1));
        market.commitReport{value: BOND}(id, bytes32("c"));
        // A zero commitment is stored non-zero: it still blocks a second one.
        VM.prank(detector2);
        market.commitReport{value: BOND}(id, bytes32(0));
        VM.prank(detector2);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.AlreadyCommitted.selector, id, detector2));
        market.commitReport{value: BOND}(id, bytes32(0));
    }

    // ---------------------------------------------------------------- revealReport

    function test_revealReport_countsTheVerdicts() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        _commit(market, id, detector1, true);
        _commit(market, id, detector2, false);
        _reveal(market, id, detector1, true);
        _reveal(market, id, detector2, false);
        ICollaborationMarket.RequestInfo memory info = market.getRequest(id);
        _eq(info.revealed, 2, "revealed");
        _eq(info.guilty, 1, "guilty");
    }

    function test_revealReport_unknownOrBeforeTheResultReverts() public {
        VM.prank(detector1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.UnknownRequest.selector, 6));
        market.revealReport(6, true, bytes32(0));
        uint256 id = _post(market, quorum);
        VM.prank(detector1);
        VM.expectRevert(
            abi.encodeWithSelector(ICollaborationMarket.WrongPhase.selector, id, ICollaborationMarket.Phase.Bidding)
        );
        market.revealReport(id, true, bytes32(0));
    }

    function test_revealReport_duringTheCommitPhaseReverts() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        _commit(market, id, detector1, true);
        uint256 revealFrom = market.getRequest(id).revealFrom;
        VM.warp(revealFrom - 1);
        VM.prank(detector1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.RevealPhaseNotOpen.selector, id, revealFrom));
        market.revealReport(id, true, _salt(detector1));
    }

    function test_revealReport_afterTheWindowReverts() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        _commit(market, id, detector1, true);
        uint256 verifyUntil = market.getRequest(id).verifyUntil;
        VM.warp(verifyUntil + 1);
        VM.prank(detector1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.WindowClosed.selector, id, verifyUntil));
        market.revealReport(id, true, _salt(detector1));
        VM.warp(verifyUntil); // the last second is in
        VM.prank(detector1);
        market.revealReport(id, true, _salt(detector1));
        _eq(market.getRequest(id).revealed, 1, "revealed at the last second");
    }

    function test_revealReport_withoutCommitmentOrTwiceReverts() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        _commit(market, id, detector1, false);
        VM.warp(market.getRequest(id).revealFrom);
        VM.prank(detector2);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NoCommitment.selector, id, detector2));
        market.revealReport(id, false, _salt(detector2));
        _reveal(market, id, detector1, false);
        VM.prank(detector1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NoCommitment.selector, id, detector1));
        market.revealReport(id, false, _salt(detector1));
        _eq(market.getRequest(id).revealed, 1, "counted twice");
    }

    function test_revealReport_mismatchReverts() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        _commit(market, id, detector1, true);
        VM.warp(market.getRequest(id).revealFrom);
        VM.prank(detector1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.RevealMismatch.selector, id, detector1));
        market.revealReport(id, false, _salt(detector1)); // the other verdict
        VM.prank(detector1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.RevealMismatch.selector, id, detector1));
        market.revealReport(id, true, bytes32("wrong salt"));
        // Another detector cannot reveal someone else's commitment as its own.
        _eq(market.getRequest(id).revealed, 0, "a mismatch counted");
    }
}

/// @title finalize, claimReward, withdraw, and the guarded calls (GuardedCalls) they make
contract MarketSettlementUnits is MarketFixture {
    using ProofOfWorkSolutions for ProofOfWorkVerifier;

    // ---------------------------------------------------------------- finalize: refusals

    function test_finalize_unknownOrBiddingReverts() public {
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.UnknownRequest.selector, 8));
        market.finalize(8);
        uint256 id = _post(market, quorum);
        VM.expectRevert(
            abi.encodeWithSelector(ICollaborationMarket.WrongPhase.selector, id, ICollaborationMarket.Phase.Bidding)
        );
        market.finalize(id);
    }

    function test_finalize_whileTheWindowIsOpenReverts() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        uint256 verifyUntil = market.getRequest(id).verifyUntil;
        VM.warp(verifyUntil);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.WindowOpen.selector, id, verifyUntil));
        market.finalize(id);
    }

    function test_finalize_beforeTheResultDeadlineReverts() public {
        uint256 id = _executing(market, quorum);
        uint256 deadline = deadlineOf[address(market)][id] + MAX_DELAY;
        VM.warp(deadline);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.WindowOpen.selector, id, deadline));
        market.finalize(id);
    }

    function test_finalize_twiceReverts() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        _finalize(market, id);
        VM.expectRevert(
            abi.encodeWithSelector(
                ICollaborationMarket.WrongPhase.selector, id, ICollaborationMarket.Phase.Finalized
            )
        );
        market.finalize(id);
    }

    // ---------------------------------------------------------------- finalize: settlements

    function test_finalize_noResultByTheDeadlineIsSlashed() public {
        uint256 id = _executing(market, quorum);
        VM.warp(deadlineOf[address(market)][id] + MAX_DELAY + 1);
        market.finalize(id);
        ICollaborationMarket.RequestInfo memory info = market.getRequest(id);
        require(info.slashed && info.phase == ICollaborationMarket.Phase.Finalized, "not slashed");
        _eq(info.rewardPerDetector, 0, "no detector");
        _eq(info.bondPayout, 0, "no bond");
        // Without guilty revealers the whole deposit and the incentive go to the requester.
        _eq(market.creditOf(requester), INCENTIVE + DEPOSIT, "requester");
        _eq(market.creditOf(bidder1), 0, "winner");
        ICollaborationMarket.NodeReputation memory record = market.reputationOf(bidder1);
        _eq(record.misbehaviours, 1, "misbehaviours");
        _eq(record.allocated, 1, "allocated");
        _eq(record.returned, 0, "returned");
        require(reputation.getReputationScore(bidder1) < 500, "failure not recorded in the score");
    }

    function test_finalize_quorumOfGuiltyRevealsSlashes() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        _commit(market, id, detector1, true);
        _commit(market, id, detector2, true);
        _commit(market, id, detector3, false);
        _reveal(market, id, detector1, true);
        _reveal(market, id, detector2, true);
        _reveal(market, id, detector3, false);
        _finalize(market, id);
        ICollaborationMarket.RequestInfo memory info = market.getRequest(id);
        require(info.slashed, "not slashed");
        uint256 compensation = uint256(DEPOSIT) * COMPENSATION_BPS / 10_000;
        uint256 reward = (DEPOSIT - compensation) / 2;
        _eq(info.rewardPerDetector, reward, "reward per detector");
        // One bond forfeited (the innocent revealer), shared by the two guilty revealers.
        uint256 payout = BOND + uint256(BOND) / 2;
        _eq(info.bondPayout, payout, "bond payout");
        _eq(market.creditOf(requester), INCENTIVE + DEPOSIT - 2 * reward, "requester");
        _claim(market, id, detector1);
        _eq(market.creditOf(detector1), payout + reward, "detector1");
        _claim(market, id, detector2);
        _eq(market.creditOf(detector2), payout + reward, "detector2");
        // The wrong side gets nothing, and nobody is paid twice.
        VM.prank(detector3);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NoReward.selector, id, detector3));
        market.claimReward(id);
        VM.prank(detector1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NoReward.selector, id, detector1));
        market.claimReward(id);
        // Everything held is now owed to someone.
        _eq(
            address(market).balance,
            market.creditOf(requester) + market.creditOf(detector1) + market.creditOf(detector2),
            "balance against credits"
        );
        _eq(market.misbehaviourPpm(bidder1), PPM, "n/m");
    }

    function test_finalize_roundingRemaindersGoToTheRequesterAndTheWinner() public {
        // Slashed, three guilty revealers: the deposit's share does not divide by three.
        uint256 id = _verifying(market, quorum, bytes32("r"));
        _commit(market, id, detector1, true);
        _commit(market, id, detector2, true);
        _commit(market, id, detector3, true);
        _commit(market, id, detector4, false); // never reveals: forfeits
        _reveal(market, id, detector1, true);
        _reveal(market, id, detector2, true);
        _reveal(market, id, detector3, true);
        _finalize(market, id);
        uint256 share = DEPOSIT - uint256(DEPOSIT) * COMPENSATION_BPS / 10_000;
        uint256 reward = share / 3;
        require(share % 3 != 0, "the example divides");
        ICollaborationMarket.RequestInfo memory info = market.getRequest(id);
        _eq(info.rewardPerDetector, reward, "reward");
        _eq(info.bondPayout, BOND + uint256(BOND) / 3, "payout");
        // The requester takes the deposit's and the bonds' remainders.
        _eq(
            market.creditOf(requester),
            INCENTIVE + DEPOSIT - 3 * reward + uint256(BOND) % 3,
            "requester with remainders"
        );
    }

    function test_finalize_bondRemainderGoesToAnInnocentWinner() public {
        // Not slashed, three innocent revealers, one silent: the bond's remainder to the winner.
        uint256 next = _verifying(market, quorum, bytes32("r"));
        _commit(market, next, detector1, false);
        _commit(market, next, detector2, false);
        _commit(market, next, detector3, false);
        _commit(market, next, detector4, true);
        _reveal(market, next, detector1, false);
        _reveal(market, next, detector2, false);
        _reveal(market, next, detector3, false);
        _finalize(market, next);
        require(!market.getRequest(next).slashed, "slashed without guilty reveals");
        _eq(market.getRequest(next).bondPayout, BOND + uint256(BOND) / 3, "payout");
        _eq(market.creditOf(bidder1), INCENTIVE + DEPOSIT + uint256(BOND) % 3, "winner with the remainder");
    }

    function test_finalize_proofOfWorkHonestWinnerIsRefundedDespiteAccusations() public {
        bytes32 nonce = pow.nonce(TASK, true);
        uint256 id = _verifying(market, pow, nonce);
        uint256 submittedAt = block.timestamp;
        _commit(market, id, detector1, false);
        _commit(market, id, detector2, true); // a false accusation
        _commit(market, id, detector3, true); // never revealed
        _reveal(market, id, detector1, false);
        _reveal(market, id, detector2, true);
        _finalize(market, id);
        ICollaborationMarket.RequestInfo memory info = market.getRequest(id);
        require(!info.slashed, "an honest winner slashed");
        _eq(info.rewardPerDetector, 0, "reward");
        _eq(info.bondPayout, 3 * uint256(BOND), "the innocent revealer takes both forfeits");
        _eq(market.creditOf(bidder1), INCENTIVE + DEPOSIT, "winner");
        _eq(market.creditOf(requester), 0, "requester");
        _claim(market, id, detector1);
        _eq(market.creditOf(detector1), 3 * uint256(BOND), "innocent revealer");
        VM.prank(detector2);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NoReward.selector, id, detector2));
        market.claimReward(id);
        VM.prank(detector3);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NoReward.selector, id, detector3));
        market.claimReward(id);
        ICollaborationMarket.NodeReputation memory record = market.reputationOf(bidder1);
        _eq(record.returned, INCENTIVE + DEPOSIT, "returned");
        _eq(record.misbehaviours, 0, "misbehaviours");
        // The success is recorded with the result's delay after the bidding deadline.
        require(submittedAt > deadlineOf[address(market)][id], "delay");
        require(reputation.getReputationScore(bidder1) > 500, "success not recorded in the score");
    }

    function test_finalize_proofOfWorkCheaterIsSlashedByOneReveal() public {
        bytes32 nonce = pow.nonce(TASK, false);
        uint256 id = _verifying(market, pow, nonce);
        _commit(market, id, detector1, false); // even an "innocent" reveal exposes the nonce
        _reveal(market, id, detector1, false);
        _finalize(market, id);
        ICollaborationMarket.RequestInfo memory info = market.getRequest(id);
        require(info.slashed, "a wrong nonce not slashed");
        // Nobody on the verdict's side: the forfeited bond goes to the requester.
        _eq(info.bondPayout, 0, "payout");
        _eq(market.creditOf(requester), INCENTIVE + DEPOSIT + BOND, "requester");
        VM.prank(detector1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NoReward.selector, id, detector1));
        market.claimReward(id);
    }

    function test_finalize_proofOfWorkWithoutRevealsIsNotSlashed() public {
        // Documented: the puzzle is only checked once someone reveals. Silent committers'
        // bonds then go to the winner, even though its nonce is wrong.
        bytes32 nonce = pow.nonce(TASK, false);
        uint256 id = _verifying(market, pow, nonce);
        _commit(market, id, detector1, true);
        _finalize(market, id);
        require(!market.getRequest(id).slashed, "slashed without a reveal");
        _eq(market.creditOf(bidder1), INCENTIVE + DEPOSIT + BOND, "winner takes the silent bond");
    }

    function test_finalize_withoutDetectorsRefundsTheWinner() public {
        uint256 id = _verifying(bare, quorum, bytes32("r"));
        _finalize(bare, id);
        ICollaborationMarket.RequestInfo memory info = bare.getRequest(id);
        require(!info.slashed, "slashed");
        _eq(info.bondPayout, 0, "payout");
        _eq(bare.creditOf(bidder1), INCENTIVE + DEPOSIT, "winner");
        // The bare market keeps its own record, with no reputation manager to tell.
        _eq(bare.reputationOf(bidder1).returned, INCENTIVE + DEPOSIT, "returned");
    }

    function test_finalize_bareMarketSlashesWithoutAReputationManager() public {
        uint256 id = _executing(bare, quorum);
        VM.warp(deadlineOf[address(bare)][id] + MAX_DELAY + 1);
        bare.finalize(id);
        require(bare.getRequest(id).slashed, "not slashed");
        _eq(bare.reputationOf(bidder1).misbehaviours, 1, "misbehaviours");
        _eq(bare.creditOf(requester), INCENTIVE + DEPOSIT, "requester");
    }

    function test_finalize_recordsSaturateAt2To96() public {
        uint96 max = type(uint96).max;
        VM.deal(bidder1, uint256(1) << 99);
        ICollaborationMarket.RequestTerms memory terms = _terms(quorum);
        terms.minDeposit = max;
        uint256 a = _postWith(bare, requester, terms, INCENTIVE);
        _bid(bare, a, bidder1, max, 1, 1);
        _close(bare, a);
        _eq(bare.reputationOf(bidder1).staked, max, "staked");
        VM.prank(bidder1);
        bare.submitResult(a, bytes32("r"));
        _finalize(bare, a);
        _eq(bare.reputationOf(bidder1).returned, max, "returned saturates");
        _eq(bare.creditOf(bidder1), uint256(max) + INCENTIVE, "credit does not saturate");

        terms = _terms(quorum);
        terms.minDeposit = max;
        uint256 b = _postWith(bare, requester, terms, INCENTIVE);
        _bid(bare, b, bidder1, max, 1, 1);
        _close(bare, b);
        ICollaborationMarket.NodeReputation memory record = bare.reputationOf(bidder1);
        _eq(record.staked, max, "staked saturates");
        _eq(record.allocated, 2, "allocated");
    }

    // ---------------------------------------------------------------- finalize: guarded calls

    function _hostileRequest(uint8 mode) internal returns (uint256 id) {
        id = _verifying(market, hostile, bytes32("r"));
        _commit(market, id, detector1, true);
        _reveal(market, id, detector1, true);
        hostile.setMode(mode); // after bids closed: the winner could not see it coming
        VM.warp(market.getRequest(id).verifyUntil + 1);
        VMU.recordLogs();
        market.finalize(id);
    }

    function _verifierFailures(uint256 id) internal returns (uint256) {
        return _count(
            VMU.getRecordedLogs(),
            address(market),
            ICollaborationMarket.VerifierFailed.selector,
            bytes32(id)
        );
    }

    function test_finalize_verifierProvedSlashes() public {
        uint256 id = _hostileRequest(1);
        _eq(_verifierFailures(id), 0, "VerifierFailed");
        require(market.getRequest(id).slashed, "a proved verdict not applied");
    }

    function test_finalize_verifierNotProvedRefunds() public {
        uint256 id = _hostileRequest(0);
        _eq(_verifierFailures(id), 0, "VerifierFailed");
        require(!market.getRequest(id).slashed, "slashed without proof");
    }

    function test_finalize_revertingVerifierIsAFailedCall() public {
        uint256 id = _hostileRequest(2);
        _eq(_verifierFailures(id), 1, "VerifierFailed");
        require(!market.getRequest(id).slashed, "a reverting verifier slashed");
        require(_phase(market, id) == ICollaborationMarket.Phase.Finalized, "not finalized");
    }

    function test_finalize_gasBurningVerifierIsAFailedCall() public {
        uint256 id = _hostileRequest(3);
        _eq(_verifierFailures(id), 1, "VerifierFailed");
        require(!market.getRequest(id).slashed, "a looping verifier slashed");
    }

    function test_finalize_emptyAnswerIsAFailedCall() public {
        uint256 id = _hostileRequest(4);
        _eq(_verifierFailures(id), 1, "VerifierFailed");
        require(!market.getRequest(id).slashed, "an empty answer slashed");
    }

    function test_finalize_hugeAnswerReadsOnlyTheFirstWord() public {
        uint256 id = _hostileRequest(5); // 100,000 zero bytes: the first word is 0
        _eq(_verifierFailures(id), 0, "VerifierFailed");
        require(!market.getRequest(id).slashed, "slashed by a zero word");
        _eq(market.creditOf(bidder1), INCENTIVE + DEPOSIT + BOND, "winner");
    }

    function test_finalize_tooLittleGasForTheVerifierReverts() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        VM.warp(market.getRequest(id).verifyUntil + 1);
        (bool ok, bytes memory reason) =
            address(market).call{gas: 80_000}(abi.encodeCall(CollaborationMarket.finalize, (id)));
        require(!ok, "finalized without the verifier's budget");
        require(_selector(reason) == GuardedCalls.GasBelowBudget.selector, "not GasBelowBudget");
        (, uint256 needed) = abi.decode(_tail(reason), (uint256, uint256));
        _eq(needed, uint256(100_000) * 64 / 63 + 10_000, "needed");
        require(_phase(market, id) == ICollaborationMarket.Phase.Verifying, "state moved");
        market.finalize(id); // with the gas: done
        require(_phase(market, id) == ICollaborationMarket.Phase.Finalized, "not finalized");
    }

    function test_finalize_tooLittleGasForTheReputationManagerReverts() public {
        uint256 id = _executing(market, quorum);
        VM.warp(deadlineOf[address(market)][id] + MAX_DELAY + 1);
        (bool ok, bytes memory reason) =
            address(market).call{gas: 150_000}(abi.encodeCall(CollaborationMarket.finalize, (id)));
        require(!ok, "finalized without the outcome's budget");
        require(_selector(reason) == GuardedCalls.GasBelowBudget.selector, "not GasBelowBudget");
        (, uint256 needed) = abi.decode(_tail(reason), (uint256, uint256));
        _eq(needed, uint256(150_000) * 64 / 63 + 10_000, "needed");
        require(_phase(market, id) == ICollaborationMarket.Phase.Executing, "state moved");
    }

    function test_finalize_refusingReputationManagerDoesNotStopSettlement() public {
        reputation.revokeRole(reputation.OUTCOME_SOURCE_ROLE(), address(market));
        uint256 id = _executing(market, quorum);
        VM.warp(deadlineOf[address(market)][id] + MAX_DELAY + 1);
        VMU.recordLogs();
        market.finalize(id);
        VmUnits.Log[] memory logs = VMU.getRecordedLogs();
        _eq(
            _count(logs, address(market), GuardedCalls.OutcomeNotRecorded.selector, bytes32(uint256(uint160(bidder1)))),
            1,
            "OutcomeNotRecorded"
        );
        require(market.getRequest(id).slashed, "not slashed");
        _eq(market.creditOf(requester), INCENTIVE + DEPOSIT, "requester");
        _eq(reputation.getReputationScore(bidder1), 500, "score moved without the role");
    }

    function _tail(bytes memory data) internal pure returns (bytes memory tail) {
        tail = new bytes(data.length - 4);
        for (uint256 i = 0; i < tail.length; ++i) tail[i] = data[i + 4];
    }

    // ---------------------------------------------------------------- claimReward

    function test_claimReward_beforeFinalizeReverts() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        _commit(market, id, detector1, false);
        _reveal(market, id, detector1, false);
        VM.prank(detector1);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NoReward.selector, id, detector1));
        market.claimReward(id);
    }

    function test_claimReward_notSlashedPaysTheBondBack() public {
        uint256 id = _verifying(market, quorum, bytes32("r"));
        _commit(market, id, detector1, false);
        _reveal(market, id, detector1, false);
        _finalize(market, id);
        _claim(market, id, detector1);
        _eq(market.creditOf(detector1), BOND, "bond back, no reward");
        VM.prank(outsider);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NoReward.selector, id, outsider));
        market.claimReward(id);
    }

    // ---------------------------------------------------------------- withdraw

    function test_withdraw_paysOnce() public {
        uint256 id = _post(market, quorum);
        _close(market, id);
        uint256 before = requester.balance;
        VM.prank(requester);
        market.withdraw();
        _eq(requester.balance, before + INCENTIVE, "paid");
        _eq(market.creditOf(requester), 0, "credit left");
        _eq(address(market).balance, 0, "market balance");
        VM.prank(requester);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NothingToWithdraw.selector, requester));
        market.withdraw();
    }

    function test_withdraw_withoutCreditReverts() public {
        VM.prank(outsider);
        VM.expectRevert(abi.encodeWithSelector(ICollaborationMarket.NothingToWithdraw.selector, outsider));
        market.withdraw();
    }

    function test_withdraw_reentryIsStoppedAndNothingLost() public {
        ReentrantRequester attacker = new ReentrantRequester(ICollaborationMarket(address(market)));
        ICollaborationMarket.RequestTerms memory terms = _terms(quorum);
        attacker.post{value: INCENTIVE}(terms);
        uint256 id = market.requestCount();
        deadlineOf[address(market)][id] = terms.biddingDeadline;
        _close(market, id);
        _eq(market.creditOf(address(attacker)), INCENTIVE, "credit");
        VM.expectRevert(
            abi.encodeWithSelector(ICollaborationMarket.TransferFailed.selector, address(attacker), INCENTIVE)
        );
        attacker.withdraw();
        _eq(market.creditOf(address(attacker)), INCENTIVE, "credit lost");
        _eq(address(market).balance, INCENTIVE, "balance");
    }

    function test_withdraw_toAnAccountThatRefusesEtherReverts() public {
        RefusingRequester refuser = new RefusingRequester();
        ICollaborationMarket.RequestTerms memory terms = _terms(quorum);
        uint256 id = refuser.post{value: INCENTIVE}(market, terms);
        deadlineOf[address(market)][id] = terms.biddingDeadline;
        _close(market, id);
        VM.expectRevert(
            abi.encodeWithSelector(ICollaborationMarket.TransferFailed.selector, address(refuser), INCENTIVE)
        );
        refuser.withdraw(market);
        _eq(market.creditOf(address(refuser)), INCENTIVE, "credit lost");
    }
}
