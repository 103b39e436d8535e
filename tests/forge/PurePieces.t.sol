// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CollaborationMarket} from "../../contracts/CollaborationMarket.sol";
import {DetectorReport, DetectorReportLib} from "../../contracts/libraries/DetectorReport.sol";
import {PackedDevice, PackedDeviceLib} from "../../contracts/libraries/PackedDevice.sol";
import {PackedReport, PackedReportLib} from "../../contracts/libraries/PackedReport.sol";
import {PackedServer, PackedServerLib} from "../../contracts/libraries/PackedServer.sol";
import {PackedTask, PackedTaskLib} from "../../contracts/libraries/PackedTask.sol";
import {TaskId, TaskIdLib} from "../../contracts/libraries/TaskId.sol";
import {ReputationManager} from "../../contracts/ReputationManager.sol";
import {ICollaborationMarket} from "../../interfaces/ICollaborationMarket.sol";
import {IDroneMecRegistry} from "../../interfaces/IDroneMecRegistry.sol";
import {IReputationManager} from "../../interfaces/IReputationManager.sol";
import {VM} from "./Vm.sol";

/// @title The contracts' pure pieces against the Python references' vectors, and fuzzed
/// @notice Vectors come from tools/forge_vectors.py (the references in edgeledger/): the score
/// formula with its per-party bound, the report word, the bid score, the detectors'
/// commitments, the server word. Fuzz tests check what must hold for any input, and that every
/// packed word of contracts/libraries/ reads back what was put in it.
contract PurePieces {
    ReputationManager internal reputation;
    CollaborationMarket internal market;
    address[2] internal reporters = [address(0xA0), address(0xA1)];

    function setUp() public {
        // The references' parameters: w = 300, initial = reset = 500, bound 500 a day.
        reputation = new ReputationManager(300, 500, 500, 500, 86_400, 0);
        for (uint256 i = 0; i < 2; ++i) reputation.grantRole(reputation.REPORTER_ROLE(), reporters[i]);
        for (uint256 i = 0; i < 20; ++i) reputation.registerNode(address(uint160(0x1000 + i)));
        market = new CollaborationMarket(
            ICollaborationMarket.MarketParameters({
                compensationBps: 5_000,
                reputation: IReputationManager(address(0)),
                minBidScore: 0,
                detectorBond: 1,
                minScoredIncentive: 0,
                minScoredDeposit: 0,
                minWindowS: 24,
                maxTermS: 30 days,
                adminDelayS: 0
            })
        );
    }

    // ---------------------------------------------------------------- vectors

    /// @notice 600 reports of two reporters on 20 nodes: each score after each report equals
    /// ScoreBook's (the formula truncated as the contract does, each party's influence bound).
    function test_scoresEqualTheReference() public {
        string memory json = _vectors("scores");
        uint256[] memory words = VM.parseJsonUintArray(json, ".reports");
        uint256[] memory parties = VM.parseJsonUintArray(json, ".parties");
        uint256[] memory expected = VM.parseJsonUintArray(json, ".scores");
        uint256[] memory batch = new uint256[](1);
        for (uint256 i = 0; i < words.length; ++i) {
            batch[0] = words[i];
            VM.prank(reporters[parties[i]]);
            reputation.updateNodeReputation(batch);
            uint16 score = reputation.getReputationScore(address(uint160(0x1000 + uint32(words[i]))));
            require(score == expected[i], "a score differs from ScoreBook's");
        }
    }

    /// @notice packReport builds Report.packed's word from the same fields, and PackedReport
    /// reads the fields back out of it.
    function test_reportWordsEqualTheReference() public view {
        string memory json = _vectors("reports");
        uint256[] memory index = VM.parseJsonUintArray(json, ".nodeIndex");
        uint256[] memory taskId = VM.parseJsonUintArray(json, ".taskId");
        uint256[] memory execution = VM.parseJsonUintArray(json, ".executionTime");
        uint256[] memory constraint = VM.parseJsonUintArray(json, ".timeConstraint");
        bool[] memory succeeded = VM.parseJsonBoolArray(json, ".succeeded");
        uint256[] memory word = VM.parseJsonUintArray(json, ".word");
        for (uint256 i = 0; i < word.length; ++i) {
            uint256 packed = reputation.packReport(
                uint32(index[i]), uint64(taskId[i]), uint32(execution[i]), uint32(constraint[i]), succeeded[i]
            );
            require(packed == word[i], "a report word differs from Report.packed");
            PackedReport report = PackedReport.wrap(word[i]);
            require(report.nodeIndex() == index[i] && report.taskId() == taskId[i], "index or task");
            require(report.executionTime() == execution[i], "execution time");
            require(report.timeConstraint() == constraint[i], "time constraint");
            require(report.succeeded() == succeeded[i], "success bit");
        }
    }

    /// @notice bidScore equals blockedge.market.bid_score, n/m above one included.
    function test_bidScoresEqualTheReference() public view {
        string memory json = _vectors("bids");
        uint256[] memory cost = VM.parseJsonUintArray(json, ".cost");
        uint256[] memory capability = VM.parseJsonUintArray(json, ".capability");
        uint256[] memory ppm = VM.parseJsonUintArray(json, ".ppm");
        uint256[] memory score = VM.parseJsonUintArray(json, ".score");
        for (uint256 i = 0; i < score.length; ++i) {
            uint64 onChain = market.bidScore(uint32(cost[i]), uint32(capability[i]), ppm[i]);
            require(onChain == score[i], "a bid score differs from bid_score");
        }
    }

    /// @notice The commitment revealReport checks, keccak256(abi.encode(requestId, detector,
    /// guilty, salt)), is report_commitment's.
    function test_commitmentsEqualTheReference() public view {
        string memory json = _vectors("commitments");
        uint256[] memory ids = VM.parseJsonUintArray(json, ".requestId");
        address[] memory detectors = VM.parseJsonAddressArray(json, ".detector");
        bool[] memory guilty = VM.parseJsonBoolArray(json, ".guilty");
        bytes32[] memory salts = VM.parseJsonBytes32Array(json, ".salt");
        bytes32[] memory hashes = VM.parseJsonBytes32Array(json, ".hash");
        for (uint256 i = 0; i < hashes.length; ++i) {
            bytes32 commitment = keccak256(abi.encode(ids[i], detectors[i], guilty[i], salts[i]));
            require(commitment == hashes[i], "a commitment differs from report_commitment");
        }
    }

    /// @notice The server word of dmec.policies.Server.packed is PackedServer's from the same
    /// fields, and reads back as them (x and y sign-extended).
    function test_serverWordsReadBackAsTheReference() public view {
        string memory json = _vectors("servers");
        address[] memory account = VM.parseJsonAddressArray(json, ".account");
        int256[] memory x = VM.parseJsonIntArray(json, ".x");
        int256[] memory y = VM.parseJsonIntArray(json, ".y");
        uint256[] memory capacity = VM.parseJsonUintArray(json, ".capacity");
        uint256[] memory words = VM.parseJsonUintArray(json, ".word");
        for (uint256 i = 0; i < words.length; ++i) {
            PackedServer server = PackedServer.wrap(words[i]);
            require(server.account() == account[i], "account");
            require(server.capacityMcps() == capacity[i], "capacity");
            require(server.x() == x[i] && server.y() == y[i], "x or y");
            require(words[i] >> 248 == 0, "top byte");
            PackedServer packed =
                PackedServerLib.pack(account[i], int32(x[i]), int32(y[i]), uint24(capacity[i]));
            require(PackedServer.unwrap(packed) == words[i], "a server word differs from Server.packed");
        }
    }

    // ---------------------------------------------------------------- fuzz

    /// @notice Any report keeps a score on the scale and moves it toward the report's
    /// incentive, never past it.
    function testFuzz_aReportMovesTheScoreTowardItsIncentive(
        uint32 index,
        uint32 execution,
        uint32 constraint,
        bool succeeded
    ) public {
        index = index % 20;
        constraint = constraint == 0 ? 1 : constraint;
        address node = address(uint160(0x1000 + index));
        uint256 before = reputation.getReputationScore(node);
        uint256[] memory batch = new uint256[](1);
        batch[0] = reputation.packReport(index, 1, execution, constraint, succeeded);
        VM.prank(reporters[0]);
        reputation.updateNodeReputation(batch);
        uint256 afterwards = reputation.getReputationScore(node);
        uint256 incentive = succeeded && execution <= constraint
            ? (uint256(constraint) - execution) * 1000 / constraint
            : 0;
        require(afterwards <= 1000, "off the scale");
        if (incentive >= before) require(before <= afterwards && afterwards <= incentive, "not toward I");
        else require(incentive <= afterwards && afterwards <= before, "not toward I");
    }

    /// @notice A report word's fields come back out at their offsets, whatever they are.
    function testFuzz_aReportWordUnpacksToItsFields(
        uint32 index,
        uint64 taskId,
        uint32 execution,
        uint32 constraint,
        bool succeeded
    ) public view {
        uint256 word = reputation.packReport(index, taskId, execution, constraint, succeeded);
        require(uint32(word) == index && uint64(word >> 32) == taskId, "index or task");
        require(uint32(word >> 96) == execution && uint32(word >> 128) == constraint, "times");
        require((word >> 160) == (succeeded ? 1 : 0), "success bit");
        PackedReport report = PackedReport.wrap(word);
        require(report.nodeIndex() == index && report.taskId() == taskId, "getters: index or task");
        require(report.executionTime() == execution && report.timeConstraint() == constraint, "getters: times");
        require(report.succeeded() == succeeded, "getters: success bit");
    }

    /// @notice A device word built field by field reads every field back, and each setter
    /// changes its own field only.
    function testFuzz_aDeviceWordKeepsEveryField(
        address hub,
        uint8 policyId,
        uint8 membership,
        uint8 taskState,
        uint32 taskCount,
        uint16 taskKind,
        uint256 before
    ) public pure {
        IDroneMecRegistry.Membership m = IDroneMecRegistry.Membership(membership % 3);
        IDroneMecRegistry.TaskState t = IDroneMecRegistry.TaskState(taskState % 4);
        // From any word: every field is overwritten, the unused top bits kept.
        PackedDevice device = PackedDevice.wrap(before).setHub(hub).setPolicyId(policyId).setMembership(m)
            .setTaskState(t).setTaskCount(taskCount).setTaskKind(taskKind);
        require(device.hub() == hub && device.policyId() == policyId, "hub or policy");
        require(device.membership() == m && device.taskState() == t, "membership or task state");
        require(device.taskCount() == taskCount && device.taskKind() == taskKind, "task count or kind");
        require(PackedDevice.unwrap(device) >> 232 == before >> 232, "the unused bits");
        PackedDevice registered = PackedDeviceLib.registered(hub);
        require(registered.hub() == hub && registered.policyId() == 0, "registered: hub, no policy");
        require(registered.membership() == IDroneMecRegistry.Membership.Active, "registered: active");
        require(registered.taskState() == IDroneMecRegistry.TaskState.None, "registered: no task");
        require(registered.taskCount() == 0 && registered.taskKind() == 0, "registered: no task");
    }

    /// @notice A task word reads back its fields; a reassignment keeps data and computation.
    function testFuzz_aTaskWordKeepsEveryField(
        address server,
        uint32 assignedAt,
        uint32 dataKb,
        uint32 computeMegacycles,
        address next,
        uint32 reassignedAt
    ) public pure {
        PackedTask task = PackedTaskLib.pack(server, assignedAt, dataKb, computeMegacycles);
        require(task.server() == server && task.assignedAt() == assignedAt, "server or time");
        require(task.dataKb() == dataKb && task.computeMegacycles() == computeMegacycles, "amounts");
        task = task.setAssignment(next, reassignedAt);
        require(task.server() == next && task.assignedAt() == reassignedAt, "reassigned");
        require(task.dataKb() == dataKb && task.computeMegacycles() == computeMegacycles, "amounts kept");
    }

    /// @notice A task id reads back its device and sequence, and orders a device's tasks.
    function testFuzz_aTaskIdReadsBackItsDeviceAndSequence(address device, uint32 sequence) public pure {
        TaskId id = TaskIdLib.from(device, sequence);
        require(id.device() == device && id.sequence() == sequence, "device or sequence");
        require(TaskId.unwrap(id) == (uint256(uint160(device)) << 96) | sequence, "(device << 96) | sequence");
    }

    /// @notice A committed word holds its commitment and nothing else, and is never a mark.
    function testFuzz_aDetectorReportHoldsItsCommitmentOnly(bytes32 commitment, bytes32 other) public pure {
        DetectorReport report = DetectorReportLib.committed(commitment);
        require(report.isCommitment() && !report.isNone(), "a commitment");
        require(report.holds(commitment), "holds its commitment");
        require(!report.isReveal(true) && !report.isReveal(false), "not a reveal");
        if ((commitment ^ other) << 1 != bytes32(0)) require(!report.holds(other), "holds another");
        DetectorReport[4] memory marks = [
            DetectorReportLib.NONE,
            DetectorReportLib.REVEALED_INNOCENT,
            DetectorReportLib.REVEALED_GUILTY,
            DetectorReportLib.REWARD_CLAIMED
        ];
        for (uint256 i = 0; i < marks.length; ++i) {
            require(!marks[i].isCommitment() && !marks[i].holds(commitment), "a mark is no commitment");
        }
        require(DetectorReportLib.revealed(true).isReveal(true), "guilty");
        require(DetectorReportLib.revealed(false).isReveal(false), "innocent");
        require(!DetectorReportLib.revealed(true).isReveal(false), "guilty is not innocent");
    }

    /// @notice A bid score never exceeds capability * 2^32 / cost and never rises with n/m.
    function testFuzz_aBidScoreFallsWithMisbehaviour(uint32 cost, uint32 capability, uint256 ppm, uint256 more)
        public
        view
    {
        cost = cost == 0 ? 1 : cost;
        ppm = ppm % 2_000_000;
        uint256 worse = ppm + more % 1_000_000;
        uint64 score = market.bidScore(cost, capability, ppm);
        require(score <= (uint256(capability) << 32) / cost, "above the no-misbehaviour score");
        require(market.bidScore(cost, capability, worse) <= score, "rose with misbehaviour");
    }

    function _vectors(string memory name) internal view returns (string memory) {
        return VM.readFile(string.concat(VM.projectRoot(), "/tests/forge/vectors/", name, ".json"));
    }
}
