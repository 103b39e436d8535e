// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice What the market holds for one detector on one request, one storage word:
///   0                      no commitment yet
///   commitment | 2^255     committed: the detector's hash with its top bit (COMMITTED_BIT)
///                          set, so that a commitment is never taken for one of the marks
///   1 / 2                  revealed innocent / revealed guilty (the commitment is gone)
///   3                      revealed on the verdict's side and its reward claimed
/// The top bit is the market's, not the hash's: a reveal matches a commitment that differs
/// from it in that bit alone, which gains nothing (the hash binds its own detector only).
type DetectorReport is uint256;

using DetectorReportLib for DetectorReport global;

/// @notice Building and reading a detector's report word.
library DetectorReportLib {
    uint8 internal constant COMMITTED_BIT_OFFSET = 255;
    uint256 internal constant COMMITTED_BIT = uint256(1) << COMMITTED_BIT_OFFSET;
    DetectorReport internal constant NONE = DetectorReport.wrap(0);
    DetectorReport internal constant REVEALED_INNOCENT = DetectorReport.wrap(1);
    DetectorReport internal constant REVEALED_GUILTY = DetectorReport.wrap(2);
    DetectorReport internal constant REWARD_CLAIMED = DetectorReport.wrap(3);

    /// @notice The word of a detector that committed `commitment`.
    function committed(bytes32 commitment) internal pure returns (DetectorReport) {
        return DetectorReport.wrap(uint256(commitment) | COMMITTED_BIT);
    }

    /// @notice The word after a reveal.
    function revealed(bool guilty) internal pure returns (DetectorReport) {
        return guilty ? REVEALED_GUILTY : REVEALED_INNOCENT;
    }

    function isNone(DetectorReport report) internal pure returns (bool) {
        return DetectorReport.unwrap(report) == DetectorReport.unwrap(NONE);
    }

    /// @notice Whether the word holds a commitment (every commitment is above every mark).
    function isCommitment(DetectorReport report) internal pure returns (bool) {
        return DetectorReport.unwrap(report) > DetectorReport.unwrap(REWARD_CLAIMED);
    }

    /// @notice Whether the word holds exactly `commitment`.
    function holds(DetectorReport report, bytes32 commitment) internal pure returns (bool) {
        return DetectorReport.unwrap(report) == DetectorReport.unwrap(committed(commitment));
    }

    /// @notice Whether the word is a reveal of `guilty` (its reward not claimed yet).
    function isReveal(DetectorReport report, bool guilty) internal pure returns (bool) {
        uint256 word = DetectorReport.unwrap(report);
        return guilty
            ? word == DetectorReport.unwrap(REVEALED_GUILTY)
            : word == DetectorReport.unwrap(REVEALED_INNOCENT);
    }
}
