// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ProofOfWorkVerifier} from "../../../contracts/verifiers/ProofOfWorkVerifier.sol";
import {QuorumVerifier} from "../../../contracts/verifiers/QuorumVerifier.sol";
import {VM} from "../Vm.sol";

/// @title ProofOfWorkVerifier and QuorumVerifier on their own
contract VerifierUnits {
    bytes32 internal constant CHALLENGE = keccak256("challenge");

    function _nonce(ProofOfWorkVerifier verifier, bytes32 challenge, bool solving) internal view returns (bytes32) {
        for (uint256 i = 0; i < 1_000; ++i) {
            if (verifier.solves(challenge, bytes32(i)) == solving) return bytes32(i);
        }
        revert("no nonce found");
    }

    function _leadingZeroBits(bytes32 challenge, bytes32 nonce) internal pure returns (uint256 bits) {
        uint256 hash = uint256(keccak256(abi.encode(challenge, nonce)));
        if (hash == 0) return 256;
        while (hash >> 255 == 0) {
            hash <<= 1;
            ++bits;
        }
    }

    // ---------------------------------------------------------------- ProofOfWorkVerifier

    function test_proofOfWork_difficultyOutside1To64Reverts() public {
        VM.expectRevert(abi.encodeWithSelector(ProofOfWorkVerifier.InvalidDifficulty.selector, 0));
        new ProofOfWorkVerifier(0);
        VM.expectRevert(abi.encodeWithSelector(ProofOfWorkVerifier.InvalidDifficulty.selector, 65));
        new ProofOfWorkVerifier(65);
        VM.expectRevert(abi.encodeWithSelector(ProofOfWorkVerifier.InvalidDifficulty.selector, 255));
        new ProofOfWorkVerifier(255);
    }

    function test_proofOfWork_boundsAreAccepted() public {
        require(new ProofOfWorkVerifier(1).DIFFICULTY_BITS() == 1, "1 bit");
        require(new ProofOfWorkVerifier(64).DIFFICULTY_BITS() == 64, "64 bits");
    }

    function test_proofOfWork_name() public {
        require(keccak256(bytes(new ProofOfWorkVerifier(4).name())) == keccak256("ProofOfWork"), "name");
    }

    function test_proofOfWork_solvesCountsLeadingZeroBits() public {
        ProofOfWorkVerifier verifier = new ProofOfWorkVerifier(4);
        bytes32 good = _nonce(verifier, CHALLENGE, true);
        bytes32 bad = _nonce(verifier, CHALLENGE, false);
        require(_leadingZeroBits(CHALLENGE, good) >= 4, "a solution without 4 zero bits");
        require(_leadingZeroBits(CHALLENGE, bad) < 4, "a non-solution with 4 zero bits");
        // 64 bits: none of the first tries solves it.
        ProofOfWorkVerifier hard = new ProofOfWorkVerifier(64);
        for (uint256 i = 0; i < 16; ++i) require(!hard.solves(CHALLENGE, bytes32(i)), "64 bits solved");
    }

    function test_proofOfWork_misbehavedOnlyOnceSomeoneRevealsAWrongNonce() public {
        ProofOfWorkVerifier verifier = new ProofOfWorkVerifier(4);
        bytes32 good = _nonce(verifier, CHALLENGE, true);
        bytes32 bad = _nonce(verifier, CHALLENGE, false);
        require(!verifier.misbehaved(CHALLENGE, bad, 0, 0), "no reveal: not proved");
        require(!verifier.misbehaved(CHALLENGE, bad, 5, 0), "guilty count alone proves nothing");
        require(verifier.misbehaved(CHALLENGE, bad, 0, 1), "a wrong nonce revealed on");
        require(verifier.misbehaved(CHALLENGE, bad, 3, 3), "a wrong nonce, all guilty");
        require(!verifier.misbehaved(CHALLENGE, good, 3, 3), "a right nonce, all guilty");
        require(!verifier.misbehaved(CHALLENGE, good, 0, 1), "a right nonce");
    }

    // ---------------------------------------------------------------- QuorumVerifier

    function test_quorum_zeroReverts() public {
        VM.expectRevert(QuorumVerifier.ZeroQuorum.selector);
        new QuorumVerifier(0);
    }

    function test_quorum_nameAndQuorum() public {
        QuorumVerifier verifier = new QuorumVerifier(3);
        require(verifier.QUORUM() == 3, "quorum");
        require(keccak256(bytes(verifier.name())) == keccak256("Quorum"), "name");
    }

    function test_quorum_needsTheQuorumAndAMajority() public {
        QuorumVerifier verifier = new QuorumVerifier(2);
        require(!verifier.misbehaved(0, 0, 0, 0), "nothing revealed");
        require(!verifier.misbehaved(0, 0, 1, 1), "below the quorum, unanimous");
        require(verifier.misbehaved(0, 0, 2, 2), "quorum, unanimous");
        require(verifier.misbehaved(0, 0, 2, 3), "quorum, majority");
        require(!verifier.misbehaved(0, 0, 2, 4), "quorum, a tie is no majority");
        require(!verifier.misbehaved(0, 0, 3, 7), "quorum, minority");
        require(verifier.misbehaved(0, 0, 4, 7), "quorum, majority of 7");
        QuorumVerifier one = new QuorumVerifier(1);
        require(one.misbehaved(0, 0, 1, 1), "quorum of one");
        require(!one.misbehaved(0, 0, 1, 2), "quorum of one, tie");
    }
}
