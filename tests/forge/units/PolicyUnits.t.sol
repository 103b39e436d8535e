// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ReputationManager} from "../../../contracts/ReputationManager.sol";
import {PackedServer} from "../../../contracts/libraries/PackedServer.sol";
import {DelayAwarePolicy} from "../../../contracts/policies/DelayAwarePolicy.sol";
import {MaxCapacityPolicy} from "../../../contracts/policies/MaxCapacityPolicy.sol";
import {NearestPolicy} from "../../../contracts/policies/NearestPolicy.sol";
import {RandomPolicy} from "../../../contracts/policies/RandomPolicy.sol";
import {ReputationAwarePolicy} from "../../../contracts/policies/ReputationAwarePolicy.sol";
import {OutOfRangePolicy} from "../../../contracts/testing/OutOfRangePolicy.sol";
import {IOffloadingPolicy} from "../../../interfaces/IOffloadingPolicy.sol";
import {IReputationManager} from "../../../interfaces/IReputationManager.sol";
import {VM} from "../Vm.sol";
import {EchoPolicy, UnitHelpers} from "./UnitDoubles.sol";

/// @title Unit tests of the offloading policies (and the out-of-range test double)
/// @notice Each policy is called directly with hand-packed candidates (PackedServer layout).
contract PolicyUnits is UnitHelpers {
    address internal constant A = address(0xA1);
    address internal constant B = address(0xB2);
    address internal constant C = address(0xC3);
    address internal constant D = address(0xD4);
    address internal constant SOURCE = address(0x50C);

    NearestPolicy internal nearest;
    MaxCapacityPolicy internal mcc;
    RandomPolicy internal random;
    DelayAwarePolicy internal delayAware;
    ReputationManager internal rep;

    function setUp() public {
        nearest = new NearestPolicy();
        mcc = new MaxCapacityPolicy();
        random = new RandomPolicy();
        delayAware = new DelayAwarePolicy(2_500);
        rep = new ReputationManager(300, 500, 500, 500, 86_400, 0);
        rep.grantRole(rep.OUTCOME_SOURCE_ROLE(), SOURCE);
        rep.registerNode(A);
        rep.registerNode(B);
        rep.registerNode(C);
        // B fails twice on A's account: 500 -> 350 -> 245.
        VM.startPrank(SOURCE);
        rep.recordOutcome(B, A, 1, 0, 100, false);
        rep.recordOutcome(B, A, 2, 0, 100, false);
        VM.stopPrank();
    }

    // ---------------------------------------------------------------- helpers

    function _task(int32 x, int32 y) internal pure returns (IOffloadingPolicy.TaskContext memory) {
        return _task(x, y, 0, 0, 0);
    }

    function _task(int32 x, int32 y, uint32 dataKb, uint32 compute, uint32 total)
        internal
        pure
        returns (IOffloadingPolicy.TaskContext memory)
    {
        return IOffloadingPolicy.TaskContext({
            taskId: 42,
            dataKb: dataKb,
            computeMegacycles: compute,
            kind: 3,
            droneX: x,
            droneY: y,
            totalCapacityMcps: total
        });
    }

    function _servers(PackedServer a) internal pure returns (PackedServer[] memory s) {
        s = new PackedServer[](1);
        s[0] = a;
    }

    function _servers(PackedServer a, PackedServer b) internal pure returns (PackedServer[] memory s) {
        s = new PackedServer[](2);
        (s[0], s[1]) = (a, b);
    }

    function _servers(PackedServer a, PackedServer b, PackedServer c) internal pure returns (PackedServer[] memory s) {
        s = new PackedServer[](3);
        (s[0], s[1], s[2]) = (a, b, c);
    }

    function _servers(PackedServer a, PackedServer b, PackedServer c, PackedServer d)
        internal
        pure
        returns (PackedServer[] memory s)
    {
        s = new PackedServer[](4);
        (s[0], s[1], s[2], s[3]) = (a, b, c, d);
    }

    // ---------------------------------------------------------------- names

    function test_names() public {
        require(keccak256(bytes(nearest.name())) == keccak256("Nearest"), "Nearest");
        require(keccak256(bytes(mcc.name())) == keccak256("MCC"), "MCC");
        require(keccak256(bytes(random.name())) == keccak256("Random"), "Random");
        require(keccak256(bytes(delayAware.name())) == keccak256("DelayAware"), "DelayAware");
        ReputationAwarePolicy aware = new ReputationAwarePolicy(IReputationManager(address(rep)), nearest, 400);
        require(keccak256(bytes(aware.name())) == keccak256("ReputationAware"), "ReputationAware");
        require(keccak256(bytes(new OutOfRangePolicy().name())) == keccak256("OutOfRange"), "OutOfRange");
    }

    // ---------------------------------------------------------------- Nearest

    function test_nearest_closestServerTiesToTheEarliest() public view {
        PackedServer[] memory s = _servers(_pack(A, 10, 10, 5), _pack(B, -3, -4, 5), _pack(C, 3, 4, 5));
        _eq(nearest.selectServer(s, _task(0, 0)), 1, "B and C at 5 m: the earlier");
        _eq(nearest.selectServer(s, _task(100, 100)), 0, "A");
        _eq(nearest.selectServer(s, _task(3, 5)), 2, "C");
        _eq(nearest.selectServer(_servers(_pack(A, 1, 1, 1)), _task(-9, 9)), 0, "one candidate");
        _eq(nearest.selectServer(new PackedServer[](0), _task(0, 0)), 0, "none: 0");
    }

    function test_nearest_extremeCoordinatesDoNotOverflow() public view {
        int32 lo = type(int32).min;
        int32 hi = type(int32).max;
        PackedServer[] memory s = _servers(_pack(A, hi, hi, 1), _pack(B, lo, lo, 1), _pack(C, 0, hi, 1));
        _eq(nearest.selectServer(s, _task(lo, lo)), 1, "corner lo");
        _eq(nearest.selectServer(s, _task(hi, hi)), 0, "corner hi");
        _eq(nearest.selectServer(s, _task(-1, hi)), 2, "top edge");
    }

    // ---------------------------------------------------------------- MaxCapacity

    function test_maxCapacity_largestServerTiesToTheEarliest() public view {
        PackedServer[] memory s = _servers(_pack(A, 0, 0, 1), _pack(B, 0, 0, 7), _pack(C, 0, 0, 7), _pack(D, 0, 0, 3));
        _eq(mcc.selectServer(s, _task(0, 0)), 1, "B");
        s = _servers(_pack(A, -1, -1, 1), _pack(B, 0, 0, type(uint24).max));
        _eq(mcc.selectServer(s, _task(0, 0)), 1, "full capacity, negative neighbour");
        _eq(mcc.selectServer(_servers(_pack(A, 0, 0, 0), _pack(B, 0, 0, 0)), _task(0, 0)), 0, "all zero");
        _eq(mcc.selectServer(new PackedServer[](0), _task(0, 0)), 0, "none: 0");
    }

    // ---------------------------------------------------------------- Random

    function test_random_drawsFromPrevrandaoAndTheTaskId() public view {
        PackedServer[] memory s = _servers(_pack(A, 0, 0, 1), _pack(B, 0, 0, 1), _pack(C, 0, 0, 1));
        for (uint256 id = 1; id <= 8; ++id) {
            IOffloadingPolicy.TaskContext memory task = _task(0, 0);
            task.taskId = id;
            uint256 expected = uint256(keccak256(abi.encode(block.prevrandao, id))) % 3;
            _eq(random.selectServer(s, task), expected, "the documented draw");
        }
        _eq(random.selectServer(_servers(_pack(A, 0, 0, 1)), _task(0, 0)), 0, "one candidate");
    }

    function test_random_withNoCandidatePanics() public {
        PackedServer[] memory none = new PackedServer[](0);
        IOffloadingPolicy.TaskContext memory task = _task(0, 0);
        VM.expectRevert(abi.encodeWithSignature("Panic(uint256)", uint256(0x12)));
        random.selectServer(none, task);
    }

    // ---------------------------------------------------------------- DelayAware

    function test_delayAware_refusesAZeroRate() public {
        VM.expectRevert(DelayAwarePolicy.ZeroRate.selector);
        new DelayAwarePolicy(0);
        _eq(delayAware.MEAN_RATE_KB_PER_S(), 2_500, "rate kept");
    }

    function test_delayAware_nearestWhenTransmissionDominatesElseMcc() public view {
        // A is near the drone (10, 0), B is the largest. Total 60, rate 2,500, 2 candidates,
        // b = 3: computation 15,000; transmission a * 60.
        PackedServer[] memory s = _servers(_pack(A, 0, 0, 10), _pack(B, 100, 0, 50));
        _eq(delayAware.selectServer(s, _task(10, 0, 251, 3, 60)), 0, "15,060 > 15,000: Nearest");
        _eq(delayAware.selectServer(s, _task(10, 0, 250, 3, 60)), 1, "equal: MCC");
        _eq(delayAware.selectServer(s, _task(10, 0, 1, 3, 60)), 1, "below: MCC");
        _eq(delayAware.selectServer(s, _task(10, 0, 1, 0, 60)), 0, "no computation: Nearest");
        // The extremes do not overflow.
        uint32 max = type(uint32).max;
        _eq(delayAware.selectServer(s, _task(10, 0, max, max, max)), 0, "2^64 against 2^45: Nearest");
        _eq(delayAware.selectServer(s, _task(10, 0, 1, max, max)), 1, "2^32 against 2^45: MCC");
    }

    // ---------------------------------------------------------------- ReputationAware

    function test_reputationAware_refusesZeroAddresses() public {
        VM.expectRevert(ReputationAwarePolicy.ZeroAddress.selector);
        new ReputationAwarePolicy(IReputationManager(address(0)), nearest, 400);
        VM.expectRevert(ReputationAwarePolicy.ZeroAddress.selector);
        new ReputationAwarePolicy(IReputationManager(address(rep)), IOffloadingPolicy(address(0)), 400);
        ReputationAwarePolicy aware = new ReputationAwarePolicy(IReputationManager(address(rep)), mcc, 400);
        _eqAddr(address(aware.REPUTATION()), address(rep), "REPUTATION");
        _eqAddr(address(aware.INNER()), address(mcc), "INNER");
        _eq(aware.MIN_SCORE(), 400, "MIN_SCORE");
    }

    function test_reputationAware_theInnerPolicyChoosesAmongTheTrusted() public {
        // A 500, B 245 (untrusted below 400), C 500; B is nearest and largest.
        PackedServer[] memory s = _servers(_pack(A, 0, 0, 10), _pack(B, 5, 0, 99), _pack(C, 100, 0, 20));
        ReputationAwarePolicy byNearest = new ReputationAwarePolicy(IReputationManager(address(rep)), nearest, 400);
        _eq(byNearest.selectServer(s, _task(5, 0)), 0, "A, not B");
        _eq(byNearest.selectServer(s, _task(90, 0)), 2, "C, mapped back to position 2");
        ReputationAwarePolicy byMcc = new ReputationAwarePolicy(IReputationManager(address(rep)), mcc, 400);
        _eq(byMcc.selectServer(s, _task(5, 0)), 2, "C, the largest trusted");
        // With everyone trusted the inner policy sees them all.
        ReputationAwarePolicy lenient = new ReputationAwarePolicy(IReputationManager(address(rep)), mcc, 245);
        _eq(lenient.selectServer(s, _task(5, 0)), 1, "B at exactly the minimum");
    }

    function test_reputationAware_theInnerPolicySeesOnlyTheTrustedAndTheirCapacity() public {
        EchoPolicy echo = new EchoPolicy();
        ReputationAwarePolicy aware = new ReputationAwarePolicy(IReputationManager(address(rep)), echo, 400);
        PackedServer[] memory s = _servers(_pack(A, 0, 0, 10), _pack(B, 5, 0, 99), _pack(C, -100, 7, 20));
        IOffloadingPolicy.TaskContext memory task = _task(5, -6, 11, 12, 129);
        uint256[] memory words = new uint256[](2);
        words[0] = _word(A, 0, 0, 10);
        words[1] = _word(C, -100, 7, 20);
        VM.expectRevert(abi.encodeWithSelector(EchoPolicy.Echo.selector, words, 42, 11, 12, 3, 5, -6, 30));
        aware.selectServer(s, task);
    }

    function test_reputationAware_nobodyTrustedFallsBackToTheBestScore() public {
        ReputationAwarePolicy strict = new ReputationAwarePolicy(IReputationManager(address(rep)), nearest, 700);
        PackedServer[] memory s = _servers(_pack(B, 0, 0, 1), _pack(A, 0, 0, 1), _pack(C, 0, 0, 1));
        _eq(strict.selectServer(s, _task(0, 0)), 1, "A and C tie at 500: the earlier");
        // C rises to 650, still below 700: it is the best.
        VM.prank(SOURCE);
        rep.recordOutcome(C, A, 3, 0, 100, true);
        _eq(strict.selectServer(s, _task(0, 0)), 2, "C");
        _eq(strict.selectServer(_servers(_pack(B, 0, 0, 1)), _task(0, 0)), 0, "a single untrusted one");
        _eq(strict.selectServer(new PackedServer[](0), _task(0, 0)), 0, "no candidate: 0");
    }

    function test_reputationAware_refusesAnInnerChoiceOutsideTheTrusted() public {
        OutOfRangePolicy oor = new OutOfRangePolicy();
        ReputationAwarePolicy aware = new ReputationAwarePolicy(IReputationManager(address(rep)), oor, 400);
        PackedServer[] memory s = _servers(_pack(A, 0, 0, 10), _pack(B, 5, 0, 99), _pack(C, 100, 0, 20));
        IOffloadingPolicy.TaskContext memory task = _task(0, 0);
        VM.expectRevert(
            abi.encodeWithSelector(ReputationAwarePolicy.InvalidInnerChoice.selector, uint256(2), uint256(2))
        );
        aware.selectServer(s, task);
    }

    function test_reputationAware_anUnknownCandidateReverts() public {
        ReputationAwarePolicy aware = new ReputationAwarePolicy(IReputationManager(address(rep)), nearest, 400);
        PackedServer[] memory s = _servers(_pack(A, 0, 0, 10), _pack(D, 5, 0, 99));
        IOffloadingPolicy.TaskContext memory task = _task(0, 0);
        VM.expectRevert(abi.encodeWithSelector(IReputationManager.UnknownNode.selector, D));
        aware.selectServer(s, task);
    }

    // ---------------------------------------------------------------- the test double

    function test_outOfRange_answersOnePastTheLast() public {
        OutOfRangePolicy oor = new OutOfRangePolicy();
        PackedServer[] memory s = _servers(_pack(A, 0, 0, 10), _pack(B, 5, 0, 99), _pack(C, 100, 0, 20));
        _eq(oor.selectServer(s, _task(0, 0)), 3, "length");
        _eq(oor.selectServer(new PackedServer[](0), _task(0, 0)), 0, "empty");
    }
}
