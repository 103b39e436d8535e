// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ReputationManager} from "../../../contracts/ReputationManager.sol";
import {IReputationManager} from "../../../interfaces/IReputationManager.sol";
import {VM} from "../Vm.sol";
import {UnitHelpers} from "./UnitDoubles.sol";

/// @title Unit tests of the FRESCO reputation manager: every function, error and branch
/// @notice The fixture: weight 300, initial and reset score 500, influence bound 500 a day;
/// N1, N2, N3 registered (indices 0, 1, 2); REPORTER may report batches and SOURCE may record
/// outcomes. Formula checks: a success in no time moves 500 to 650, a failure 500 to 350.
contract ReputationUnits is UnitHelpers {
    uint32 internal constant DAY = 86_400;
    uint256 internal constant T0 = 1_000;
    address internal constant N1 = address(0x7001);
    address internal constant N2 = address(0x7002);
    address internal constant N3 = address(0x7003);
    address internal constant N4 = address(0x7004);
    address internal constant REPORTER = address(0xAE9);
    address internal constant SOURCE = address(0x50C);
    address internal constant STRANGER = address(0xBAD);

    ReputationManager internal rep;

    function setUp() public {
        VM.warp(T0);
        rep = new ReputationManager(300, 500, 500, 500, DAY, 0);
        rep.grantRole(rep.REPORTER_ROLE(), REPORTER);
        rep.grantRole(rep.OUTCOME_SOURCE_ROLE(), SOURCE);
        rep.registerNode(N1);
        rep.registerNode(N2);
        rep.registerNode(N3);
    }

    // ---------------------------------------------------------------- helpers

    function _report(uint32 index, uint64 taskId, uint32 execution, uint32 constraint, bool ok)
        internal
        pure
        returns (uint256)
    {
        return uint256(index) | (uint256(taskId) << 32) | (uint256(execution) << 96) | (uint256(constraint) << 128)
            | (ok ? uint256(1) << 160 : 0);
    }

    function _one(uint256 report) internal pure returns (uint256[] memory batch) {
        batch = new uint256[](1);
        batch[0] = report;
    }

    function _two(uint256 a, uint256 b) internal pure returns (uint256[] memory batch) {
        batch = new uint256[](2);
        (batch[0], batch[1]) = (a, b);
    }

    function _send(uint256[] memory batch) internal {
        VM.prank(REPORTER);
        rep.updateNodeReputation(batch);
    }

    function _outcome(address node, address party, uint256 id, uint32 elapsed, bool ok) internal {
        VM.prank(SOURCE);
        rep.recordOutcome(node, party, id, elapsed, 100, ok);
    }

    function _score(address node) internal view returns (uint256) {
        return rep.getReputationScore(node);
    }

    function _nodes(address a, address b, address c) internal pure returns (address[] memory l) {
        l = new address[](3);
        (l[0], l[1], l[2]) = (a, b, c);
    }

    function _unauthorized(address account, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role);
    }

    function _err(bytes4 selector, address a) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(selector, a);
    }

    // ---------------------------------------------------------------- constructor

    function test_constructor_keepsItsParameters() public view {
        _eq(rep.WEIGHT(), 300, "WEIGHT");
        _eq(rep.INITIAL_SCORE(), 500, "INITIAL_SCORE");
        _eq(rep.RESET_SCORE(), 500, "RESET_SCORE");
        _eq(rep.MAX_INFLUENCE(), 500, "MAX_INFLUENCE");
        _eq(rep.INFLUENCE_PERIOD_S(), DAY, "INFLUENCE_PERIOD_S");
        _eq(rep.SCALE(), 1000, "SCALE");
        _eq(rep.MAX_NODES(), 4096, "MAX_NODES");
        _eq(rep.MAX_BATCH(), 256, "MAX_BATCH");
        require(rep.AGENT_ROLE() == keccak256("AGENT_ROLE"), "AGENT_ROLE");
        require(rep.REPORTER_ROLE() == keccak256("REPORTER_ROLE"), "REPORTER_ROLE");
        require(rep.OUTCOME_SOURCE_ROLE() == keccak256("OUTCOME_SOURCE_ROLE"), "OUTCOME_SOURCE_ROLE");
        require(rep.hasRole(rep.AGENT_ROLE(), address(this)), "deployer is the agent");
        require(!rep.hasRole(rep.REPORTER_ROLE(), address(this)), "deployer is no reporter");
        _eqAddr(rep.defaultAdmin(), address(this), "admin");
        _eq(rep.currentPeriod(), 0, "period 0");
    }

    function _expectBadParameters(uint16 w, uint16 i, uint16 r) internal {
        VM.expectRevert(abi.encodeWithSelector(IReputationManager.InvalidScoreParameters.selector, w, i, r));
    }

    function test_constructor_refusesEachParameterOutOfRange() public {
        _expectBadParameters(0, 500, 500);
        new ReputationManager(0, 500, 500, 500, DAY, 0);
        _expectBadParameters(1001, 500, 500);
        new ReputationManager(1001, 500, 500, 500, DAY, 0);
        _expectBadParameters(300, 1001, 500);
        new ReputationManager(300, 1001, 500, 500, DAY, 0);
        _expectBadParameters(300, 500, 1001);
        new ReputationManager(300, 500, 1001, 500, DAY, 0);
        _expectBadParameters(300, 500, 500);
        new ReputationManager(300, 500, 500, 1001, DAY, 0);
        _expectBadParameters(300, 500, 500);
        new ReputationManager(300, 500, 500, 500, 0, 0);
        // The bounds themselves are in range.
        ReputationManager edge = new ReputationManager(1000, 1000, 0, 1000, 1, 0);
        _eq(edge.WEIGHT(), 1000, "weight 1000");
        _eq(edge.RESET_SCORE(), 0, "reset 0");
    }

    // ---------------------------------------------------------------- registerNode

    function test_registerNode_onlyTheAgent() public {
        bytes32 agent = rep.AGENT_ROLE();
        VM.expectRevert(_unauthorized(STRANGER, agent));
        VM.prank(STRANGER);
        rep.registerNode(N4);
    }

    function test_registerNode_refusesZeroAndARegisteredNode() public {
        VM.expectRevert(IReputationManager.ZeroAddress.selector);
        rep.registerNode(address(0));
        VM.expectRevert(_err(IReputationManager.NodeAlreadyRegistered.selector, N1));
        rep.registerNode(N1);
    }

    function test_registerNode_indicesInRegistrationOrder() public view {
        _eq(rep.getNodeIndex(N1), 0, "N1");
        _eq(rep.getNodeIndex(N2), 1, "N2");
        _eq(rep.getNodeIndex(N3), 2, "N3");
        _eq(rep.getNodeCount(), 3, "count");
        require(rep.isRegistered(N1) && !rep.isRegistered(N4), "isRegistered");
        _eq(_score(N3), 500, "initial score");
    }

    function test_registerNode_aReturningNodeKeepsItsIndexAndScore() public {
        _outcome(N2, N1, 1, 0, false); // 350
        rep.unregisterNode(N2);
        rep.registerNode(N4);
        rep.registerNode(N2);
        _eq(rep.getNodeIndex(N2), 1, "old index");
        _eq(rep.getNodeIndex(N4), 3, "new index");
        _eq(_score(N2), 350, "old score");
        _eq(rep.getNodeCount(), 4, "count");
        (IReputationManager.Membership m, uint16 s) = rep.standingOf(N2);
        require(m == IReputationManager.Membership.Active && s == 350, "standing");
    }

    function test_registerNode_atMostMaxNodesEverRegistered() public {
        ReputationManager r = new ReputationManager(300, 500, 500, 500, DAY, 0);
        for (uint256 i = 1; i <= 4096; ++i) r.registerNode(address(uint160(0x100000 + i)));
        _eq(r.getNodeCount(), 4096, "full");
        VM.expectRevert(abi.encodeWithSelector(IReputationManager.TooManyNodes.selector, uint256(4096)));
        r.registerNode(N1);
        // Indices are never reused: a node that left still counts, and may come back.
        r.unregisterNode(address(0x100001));
        VM.expectRevert(abi.encodeWithSelector(IReputationManager.TooManyNodes.selector, uint256(4096)));
        r.registerNode(N1);
        r.registerNode(address(0x100001));
        _eq(r.getNodeCount(), 4096, "back");
        _eq(r.getNode(4095).index, 4095, "last node");
    }

    // ---------------------------------------------------------------- registerNodes

    function _batch(address a, address b) internal pure returns (address[] memory nodes) {
        nodes = new address[](2);
        (nodes[0], nodes[1]) = (a, b);
    }

    function test_registerNodes_onlyTheAgent() public {
        bytes32 agent = rep.AGENT_ROLE();
        VM.expectRevert(_unauthorized(STRANGER, agent));
        VM.prank(STRANGER);
        rep.registerNodes(_batch(N4, address(0x7005)));
    }

    function test_registerNodes_refusesAnEmptyBatch() public {
        VM.expectRevert(IReputationManager.EmptyBatch.selector);
        rep.registerNodes(new address[](0));
    }

    function test_registerNodes_indicesFollowTheBatchOrderAndAReturningNodeKeepsItsOwn() public {
        _outcome(N2, N1, 1, 0, false); // 350
        rep.unregisterNode(N2);
        address n5 = address(0x7005);
        address[] memory nodes = new address[](3);
        (nodes[0], nodes[1], nodes[2]) = (n5, N2, N4);
        rep.registerNodes(nodes);
        _eq(rep.getNodeIndex(n5), 3, "n5 first new");
        _eq(rep.getNodeIndex(N4), 4, "N4 second new");
        _eq(rep.getNodeIndex(N2), 1, "N2 its old index");
        _eq(_score(N2), 350, "N2 its old score");
        _eq(_score(N4), 500, "N4 the initial score");
        _eq(rep.getNodeCount(), 5, "count");
        require(rep.isRegistered(n5) && rep.isRegistered(N2) && rep.isRegistered(N4), "active");
        _eqAddr(rep.getNode(4).account, N4, "node 4");
    }

    function test_registerNodes_allOrNothing() public {
        VM.expectRevert(_err(IReputationManager.NodeAlreadyRegistered.selector, N1));
        rep.registerNodes(_batch(N4, N1));
        VM.expectRevert(_err(IReputationManager.NodeAlreadyRegistered.selector, N4));
        rep.registerNodes(_batch(N4, N4)); // named twice
        VM.expectRevert(IReputationManager.ZeroAddress.selector);
        rep.registerNodes(_batch(N4, address(0)));
        require(!rep.isRegistered(N4), "nothing of a refused batch stays");
        _eq(rep.getNodeCount(), 3, "count");
    }

    function test_registerNodes_atMostMaxNodesEverRegistered() public {
        ReputationManager r = new ReputationManager(300, 500, 500, 500, DAY, 0);
        address[] memory nodes = new address[](4095);
        for (uint256 i = 0; i < 4095; ++i) nodes[i] = address(uint160(0x100000 + i));
        r.registerNodes(nodes);
        VM.expectRevert(abi.encodeWithSelector(IReputationManager.TooManyNodes.selector, uint256(4096)));
        r.registerNodes(_batch(N1, N2)); // one place left, two asked: neither is admitted
        address[] memory last = new address[](1);
        last[0] = N2;
        r.registerNodes(last);
        _eq(r.getNodeCount(), 4096, "full");
        require(!r.isRegistered(N1) && r.isRegistered(N2), "the refused batch left nothing");
    }

    // ---------------------------------------------------------------- unregisterNode

    function test_unregisterNode_byItselfOrTheAgent() public {
        VM.prank(N1);
        rep.unregisterNode(N1);
        rep.unregisterNode(N2);
        _eq(rep.getNodeCount(), 1, "one left");
        require(!rep.isRegistered(N1) && !rep.isRegistered(N2), "left");
        (IReputationManager.Membership m, uint16 s) = rep.standingOf(N1);
        require(m == IReputationManager.Membership.Unregistered && s == 500, "standing kept");
        _eq(_score(N2), 500, "score still readable");
        _eq(rep.getNodeIndex(N2), 1, "index still readable");
    }

    function test_unregisterNode_refusals() public {
        VM.expectRevert(_err(IReputationManager.NodeNotRegistered.selector, N4));
        rep.unregisterNode(N4);
        VM.expectRevert(abi.encodeWithSelector(IReputationManager.NotNodeAuthority.selector, STRANGER, N1));
        VM.prank(STRANGER);
        rep.unregisterNode(N1);
        VM.expectRevert(abi.encodeWithSelector(IReputationManager.NotNodeAuthority.selector, N2, N1));
        VM.prank(N2);
        rep.unregisterNode(N1);
        rep.unregisterNode(N1);
        VM.expectRevert(_err(IReputationManager.NodeNotRegistered.selector, N1));
        rep.unregisterNode(N1);
        _eq(rep.getNodeCount(), 2, "count");
    }

    // ---------------------------------------------------------------- updateNodeReputation

    function test_updateNodeReputation_onlyReporters() public {
        bytes32 role = rep.REPORTER_ROLE();
        uint256[] memory batch = _one(_report(0, 1, 0, 100, true));
        VM.expectRevert(_unauthorized(STRANGER, role));
        VM.prank(STRANGER);
        rep.updateNodeReputation(batch);
        VM.expectRevert(_unauthorized(address(this), role));
        rep.updateNodeReputation(batch);
    }

    function test_updateNodeReputation_refusesEmptyAndOversizedBatches() public {
        VM.expectRevert(IReputationManager.EmptyBatch.selector);
        _send(new uint256[](0));
        uint256[] memory big = new uint256[](257);
        VM.expectRevert(abi.encodeWithSelector(IReputationManager.BatchTooLarge.selector, uint256(257), uint256(256)));
        _send(big);
    }

    function test_updateNodeReputation_refusesBadReports() public {
        // Task id 0 is not above the start (0).
        VM.expectRevert(
            abi.encodeWithSelector(IReputationManager.ReportAlreadyCounted.selector, REPORTER, uint256(0), uint256(0))
        );
        _send(_one(_report(0, 0, 0, 100, true)));
        VM.expectRevert(abi.encodeWithSelector(IReputationManager.NodeIndexNotRegistered.selector, uint256(3)));
        _send(_one(_report(3, 1, 0, 100, true)));
        VM.expectRevert(abi.encodeWithSelector(IReputationManager.ZeroTimeConstraint.selector, uint256(1)));
        _send(_one(_report(0, 1, 0, 0, true)));
        // Ids must rise within a batch ...
        VM.expectRevert(
            abi.encodeWithSelector(IReputationManager.ReportAlreadyCounted.selector, REPORTER, uint256(5), uint256(5))
        );
        _send(_two(_report(0, 5, 0, 100, true), _report(1, 5, 0, 100, true)));
        _eq(rep.lastTaskId(REPORTER), 0, "nothing counted");
        // ... and across batches.
        _send(_one(_report(0, 10, 0, 100, true)));
        _eq(rep.lastTaskId(REPORTER), 10, "last id");
        VM.expectRevert(
            abi.encodeWithSelector(IReputationManager.ReportAlreadyCounted.selector, REPORTER, uint256(10), uint256(10))
        );
        _send(_one(_report(0, 10, 0, 100, true)));
        VM.expectRevert(
            abi.encodeWithSelector(IReputationManager.ReportAlreadyCounted.selector, REPORTER, uint256(9), uint256(10))
        );
        _send(_one(_report(1, 9, 0, 100, true)));
        _eq(_score(N1), 650, "only the good batch counted");
        _eq(_score(N2), 500, "N2 untouched");
        // Each reporter has its own high-water mark.
        rep.grantRole(rep.REPORTER_ROLE(), STRANGER);
        VM.prank(STRANGER);
        rep.updateNodeReputation(_one(_report(1, 1, 0, 100, true)));
        _eq(rep.lastTaskId(STRANGER), 1, "other reporter");
        _eq(_score(N2), 650, "N2 counted");
    }

    function test_updateNodeReputation_appliesTheFormula() public {
        uint256[] memory batch = new uint256[](4);
        batch[0] = _report(0, 1, 0, 100, true); // I = 1000: 500 -> 650
        batch[1] = _report(1, 2, 10, 100, false); // a failure: 500 -> 350
        batch[2] = _report(2, 3, 150, 100, true); // late: I = 0, 500 -> 350
        batch[3] = _report(2, 4, 25, 100, true); // I = 750: 350 -> 470
        _send(batch);
        _eq(_score(N1), 650, "N1");
        _eq(_score(N2), 350, "N2");
        _eq(_score(N3), 470, "N3");
        _eq(rep.lastTaskId(REPORTER), 4, "last id");
        _eqInt(rep.influenceOf(REPORTER, N1), 150, "influence on N1");
        _eqInt(rep.influenceOf(REPORTER, N2), -150, "influence on N2");
        _eqInt(rep.influenceOf(REPORTER, N3), -30, "influence on N3");
        _eqInt(rep.influenceOf(STRANGER, N3), 0, "no influence of others");
        // An execution time equal to the constraint: I = 0.
        _send(_one(_report(0, 5, 100, 100, true)));
        _eq(_score(N1), 455, "650 * 0.7");
    }

    function test_updateNodeReputation_aNodeThatLeftIsStillScored() public {
        rep.unregisterNode(N1);
        _send(_one(_report(0, 1, 0, 100, true)));
        _eq(_score(N1), 650, "scored after leaving");
    }

    function test_updateNodeReputation_theInfluenceBoundClampsBothWays() public {
        ReputationManager r = new ReputationManager(300, 500, 500, 100, DAY, 0);
        r.grantRole(r.REPORTER_ROLE(), REPORTER);
        r.registerNode(N1);
        uint256[] memory batch = new uint256[](4);
        batch[0] = _report(0, 1, 0, 100, true); // wants +150: clamped to +100, 600
        batch[1] = _report(0, 2, 0, 100, true); // wants +120: nothing left, 600
        batch[2] = _report(0, 3, 0, 100, false); // wants -180: to -80, 420
        batch[3] = _report(0, 4, 0, 100, false); // wants -126: clamped to -100, 400
        VM.prank(REPORTER);
        r.updateNodeReputation(_one(batch[0]));
        _eq(r.getReputationScore(N1), 600, "clamped up");
        _eqInt(r.influenceOf(REPORTER, N1), 100, "influence at the bound");
        VM.prank(REPORTER);
        r.updateNodeReputation(_one(batch[1]));
        _eq(r.getReputationScore(N1), 600, "no room left");
        VM.prank(REPORTER);
        r.updateNodeReputation(_one(batch[2]));
        _eq(r.getReputationScore(N1), 420, "within the bound");
        _eqInt(r.influenceOf(REPORTER, N1), -80, "influence -80");
        VM.prank(REPORTER);
        r.updateNodeReputation(_one(batch[3]));
        _eq(r.getReputationScore(N1), 400, "clamped down");
        _eqInt(r.influenceOf(REPORTER, N1), -100, "influence at -bound");
        // A new period starts from no influence.
        VM.warp(T0 + DAY);
        _eq(r.currentPeriod(), 1, "period 1");
        _eqInt(r.influenceOf(REPORTER, N1), 0, "fresh period");
        VM.prank(REPORTER);
        r.updateNodeReputation(_one(_report(0, 5, 0, 100, false))); // wants -120: -100, 300
        _eq(r.getReputationScore(N1), 300, "next period's bound");
    }

    function test_updateNodeReputation_neighboursInOneWordStayApart() public {
        // Nodes 15 and 16 sit in different score words; 14 and 15 share one.
        for (uint160 i = 3; i < 18; ++i) rep.registerNode(address(0x8000 + i));
        uint256[] memory batch = new uint256[](2);
        batch[0] = _report(15, 1, 0, 100, true);
        batch[1] = _report(16, 2, 0, 100, false);
        _send(batch);
        _eq(_score(address(0x8000 + 15)), 650, "node 15");
        _eq(_score(address(0x8000 + 16)), 350, "node 16");
        _eq(_score(address(0x8000 + 14)), 500, "node 14");
        _eq(_score(address(0x8000 + 17)), 500, "node 17");
    }

    // ---------------------------------------------------------------- recordOutcome

    function test_recordOutcome_onlySources() public {
        bytes32 role = rep.OUTCOME_SOURCE_ROLE();
        VM.expectRevert(_unauthorized(STRANGER, role));
        VM.prank(STRANGER);
        rep.recordOutcome(N1, N2, 1, 0, 100, true);
        VM.expectRevert(_unauthorized(REPORTER, role));
        VM.prank(REPORTER);
        rep.recordOutcome(N1, N2, 1, 0, 100, true);
    }

    function test_recordOutcome_countsForTheParty() public {
        VM.prank(SOURCE);
        rep.recordOutcome(N1, N2, 77, 10, 40, true); // I = 750: 575
        _eq(_score(N1), 575, "N1");
        _eqInt(rep.influenceOf(N2, N1), 75, "N2's influence");
        _eqInt(rep.influenceOf(N3, N1), 0, "N3's influence");
        _eq(rep.lastTaskId(SOURCE), 0, "no high-water mark for sources");
        // Out of order is fine for a source.
        _outcome(N1, N2, 3, 0, false); // 575 -> 402
        _eq(_score(N1), 402, "second outcome");
    }

    function test_recordOutcome_ignoresWhatDoesNotCount() public {
        // A node never registered, the node itself as party, a party never registered, a party
        // that left: none counts, and none reverts, not even with a zero time constraint.
        VM.startPrank(SOURCE);
        rep.recordOutcome(N4, N1, 1, 0, 0, true);
        rep.recordOutcome(N1, N1, 2, 0, 0, true);
        rep.recordOutcome(N1, STRANGER, 3, 0, 0, true);
        VM.stopPrank();
        rep.unregisterNode(N3);
        VM.prank(SOURCE);
        rep.recordOutcome(N1, N3, 4, 0, 0, true);
        _eq(_score(N1), 500, "N1 unchanged");
        VM.expectRevert(_err(IReputationManager.UnknownNode.selector, N4));
        rep.getReputationScore(N4);
        // A counted outcome needs a time constraint.
        VM.expectRevert(abi.encodeWithSelector(IReputationManager.ZeroTimeConstraint.selector, uint256(5)));
        VM.prank(SOURCE);
        rep.recordOutcome(N1, N2, 5, 0, 0, true);
    }

    function test_recordOutcome_aNodeThatLeftIsStillScored() public {
        rep.unregisterNode(N1);
        _outcome(N1, N2, 1, 0, false);
        _eq(_score(N1), 350, "failure counted after leaving");
    }

    // ---------------------------------------------------------------- resetReputation

    function test_resetReputation_onlyTheAdmin() public {
        VM.expectRevert(_unauthorized(STRANGER, bytes32(0)));
        VM.prank(STRANGER);
        rep.resetReputation(N1);
    }

    function test_resetReputation_setsTheResetScore() public {
        VM.expectRevert(_err(IReputationManager.UnknownNode.selector, N4));
        rep.resetReputation(N4);
        _outcome(N1, N2, 1, 0, false);
        _eq(_score(N1), 350, "lowered");
        rep.resetReputation(N1);
        _eq(_score(N1), 500, "reset");
        // A reset score other than the initial one, and a node that left.
        ReputationManager r = new ReputationManager(300, 500, 800, 500, DAY, 0);
        r.registerNode(N1);
        r.registerNode(N2);
        r.unregisterNode(N2);
        r.resetReputation(N2);
        _eq(r.getReputationScore(N2), 800, "reset to 800");
        _eq(r.getReputationScore(N1), 500, "neighbour untouched");
    }

    // ---------------------------------------------------------------- views

    function test_getNode_inRegistrationOrderOverActiveNodes() public {
        VM.expectRevert(abi.encodeWithSelector(IReputationManager.NodeIndexOutOfRange.selector, uint256(3), uint256(3)));
        rep.getNode(3);
        IReputationManager.NodeInfo memory first = rep.getNode(0);
        _eqAddr(first.account, N1, "first");
        _eq(first.index, 0, "first index");
        require(first.membership == IReputationManager.Membership.Active, "first membership");
        _eq(first.score, 500, "first score");
        _eqAddr(rep.getNode(2).account, N3, "third");
        _outcome(N3, N1, 1, 0, true);
        rep.unregisterNode(N2);
        _eqAddr(rep.getNode(0).account, N1, "first after N2 left");
        IReputationManager.NodeInfo memory second = rep.getNode(1);
        _eqAddr(second.account, N3, "N2 skipped");
        _eq(second.index, 2, "N3's index");
        _eq(second.score, 650, "N3's score");
        VM.expectRevert(abi.encodeWithSelector(IReputationManager.NodeIndexOutOfRange.selector, uint256(2), uint256(2)));
        rep.getNode(2);
    }

    function test_getReputationScores_inTheOrderAsked() public {
        _outcome(N2, N1, 1, 0, false);
        uint16[] memory scores = rep.getReputationScores(_nodes(N2, N1, N2));
        _eq(scores.length, 3, "length");
        _eq(scores[0], 350, "N2");
        _eq(scores[1], 500, "N1");
        _eq(scores[2], 350, "N2 again");
        _eq(rep.getReputationScores(new address[](0)).length, 0, "none asked");
        VM.expectRevert(_err(IReputationManager.UnknownNode.selector, N4));
        rep.getReputationScores(_nodes(N1, N4, N2));
    }

    function test_kthHighestScore() public {
        _outcome(N1, N3, 1, 0, true); // 650
        _outcome(N2, N3, 2, 0, false); // 350
        // N3 stays at 500.
        VM.expectRevert(abi.encodeWithSelector(IReputationManager.InvalidRank.selector, uint256(0)));
        rep.kthHighestScore(_nodes(N1, N2, N3), 0);
        _eq(rep.kthHighestScore(_nodes(N1, N2, N3), 4), 0, "fewer nodes than k");
        _eq(rep.kthHighestScore(_nodes(N2, N3, N1), 1), 650, "highest, found last");
        _eq(rep.kthHighestScore(_nodes(N1, N2, N3), 1), 650, "highest, found first");
        _eq(rep.kthHighestScore(_nodes(N2, N3, N1), 2), 500, "second, inserted over");
        _eq(rep.kthHighestScore(_nodes(N1, N3, N2), 2), 500, "second, lower ones skipped");
        _eq(rep.kthHighestScore(_nodes(N1, N2, N3), 3), 350, "lowest");
        _eq(rep.kthHighestScore(_nodes(N3, N3, N1), 2), 500, "ties count twice");
        VM.expectRevert(_err(IReputationManager.UnknownNode.selector, N4));
        rep.kthHighestScore(_nodes(N1, N4, N2), 1);
    }

    function test_standingOf_neverReverts() public {
        (IReputationManager.Membership m, uint16 s) = rep.standingOf(N4);
        require(m == IReputationManager.Membership.None && s == 0, "unknown");
        _outcome(N1, N2, 1, 0, true);
        (m, s) = rep.standingOf(N1);
        require(m == IReputationManager.Membership.Active && s == 650, "active");
    }

    function test_unknownNodes_revertInTheViewsThatNeedAScore() public {
        VM.expectRevert(_err(IReputationManager.UnknownNode.selector, N4));
        rep.getNodeIndex(N4);
        VM.expectRevert(_err(IReputationManager.UnknownNode.selector, N4));
        rep.influenceOf(N1, N4);
        VM.expectRevert(_err(IReputationManager.UnknownNode.selector, N4));
        rep.getReputationScore(N4);
        require(!rep.isRegistered(N4), "isRegistered never reverts");
        _eq(rep.lastTaskId(N4), 0, "lastTaskId of anyone");
    }

    function test_currentPeriod_countsFromDeployment() public {
        VM.warp(T0 + DAY - 1);
        _eq(rep.currentPeriod(), 0, "still period 0");
        VM.warp(T0 + DAY);
        _eq(rep.currentPeriod(), 1, "period 1");
        VM.warp(T0 + 5 * DAY + 7);
        _eq(rep.currentPeriod(), 5, "period 5");
    }

    function test_packReport_layout() public view {
        _eq(rep.packReport(7, 9, 11, 13, true), _report(7, 9, 11, 13, true), "succeeded");
        _eq(rep.packReport(7, 9, 11, 13, false), _report(7, 9, 11, 13, false), "failed");
        uint256 word = rep.packReport(type(uint32).max, type(uint64).max, type(uint32).max, type(uint32).max, true);
        _eq(word, (uint256(1) << 161) - 1, "every field full");
    }
}
