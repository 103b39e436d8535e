// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CollaborationMarket} from "../../contracts/CollaborationMarket.sol";
import {PackedServer} from "../../contracts/libraries/PackedServer.sol";
import {ReputationManager} from "../../contracts/ReputationManager.sol";
import {ICollaborationMarket} from "../../interfaces/ICollaborationMarket.sol";
import {IReputationManager} from "../../interfaces/IReputationManager.sol";
import {VM} from "./Vm.sol";

/// @title The contracts' pure pieces against the Python references' vectors, and fuzzed
/// @notice Vectors come from tools/forge_vectors.py (the references in edgeledger/): the score
/// formula with its per-party bound, the report word, the bid score, the detectors'
/// commitments, the server word. Fuzz tests check what must hold for any input.
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

    /// @notice packReport builds Report.packed's word from the same fields.
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

    /// @notice The server word of dmec.policies.Server.packed reads back as its fields, the
    /// way the policies read it (account, capacity; x and y sign-extended as ServerSelection).
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
            require(int32(uint32(words[i] >> 160)) == x[i], "x");
            require(int32(uint32(words[i] >> 192)) == y[i], "y");
            require(words[i] >> 248 == 0, "top byte");
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
