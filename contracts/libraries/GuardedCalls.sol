// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IReputationManager} from "../../interfaces/IReputationManager.sol";
import {IResultVerifier} from "../../interfaces/IResultVerifier.sol";

/// @title Calls whose failure must not stop the caller's own step
/// @notice The registry and the market call out at the steps that close a task or settle a
/// request: to the reputation manager (an outcome) and to a request's verifier (a verdict).
/// Neither call may freeze settlement: a reputation manager that refuses (say the admin took
/// the caller's OUTCOME_SOURCE_ROLE away) or a verifier that reverts, loops or returns nonsense
/// is a failed call, and the step goes on. Each call gets a fixed gas budget, and the step
/// reverts unless that budget is really there: otherwise whoever sends the transaction could
/// make the call run out of gas on purpose (EIP-150 passes on only 63/64 of what is left) and
/// so skip a failure on its own record or a verdict against it.
library GuardedCalls {
    /// @notice Gas the reputation manager gets for one outcome (it needs about 60,000 at most).
    uint256 internal constant OUTCOME_GAS = 150_000;
    /// @notice Gas a verifier gets for one verdict.
    uint256 internal constant VERIFIER_GAS = 100_000;
    /// @dev The call's own cost beyond its budget: a cold account, memory, the guard itself.
    uint256 private constant _CALL_OVERHEAD = 10_000;

    /// @notice An outcome the reputation manager did not take (it reverted).
    event OutcomeNotRecorded(address indexed node, uint256 indexed outcomeId);

    /// @notice Thrown when a transaction brings too little gas for a guarded call's budget.
    error GasBelowBudget(uint256 left, uint256 needed);

    /// @dev One outcome to `reputation`; OutcomeNotRecorded if it reverted.
    function recordOutcome(
        IReputationManager reputation,
        address node,
        address party,
        uint256 outcomeId,
        uint32 elapsed,
        uint32 timeConstraint,
        bool succeeded
    ) internal {
        _requireBudget(OUTCOME_GAS);
        try reputation.recordOutcome{gas: OUTCOME_GAS}(
            node, party, outcomeId, elapsed, timeConstraint, succeeded
        ) {
            return; // counted (or ignored by the reputation manager's own rules)
        } catch {
            // Refused (a role taken away, a fault): the step that closed the outcome stands.
            emit OutcomeNotRecorded(node, outcomeId);
        }
    }

    /// @dev The verifier's verdict, read with a static call: false (not proved) if it
    /// reverted, ran out of its budget or returned less than one word. Only the first word of
    /// what it returns is copied, whatever its size.
    function misbehaved(
        IResultVerifier verifier,
        bytes32 task,
        bytes32 result,
        uint256 guilty,
        uint256 revealed
    ) internal view returns (bool proved, bool answered) {
        _requireBudget(VERIFIER_GAS);
        bytes memory question =
            abi.encodeCall(IResultVerifier.misbehaved, (task, result, guilty, revealed));
        uint256 verdict;
        assembly ("memory-safe") {
            // Scratch space (0x00..0x3f) takes the one word read back.
            answered :=
                staticcall(VERIFIER_GAS, verifier, add(question, 0x20), mload(question), 0x00, 0x20)
            if lt(returndatasize(), 0x20) { answered := 0 }
            verdict := mload(0x00)
        }
        proved = answered && verdict != 0;
    }

    function _requireBudget(uint256 budget) private view {
        uint256 needed = budget * 64 / 63 + _CALL_OVERHEAD;
        if (gasleft() < needed) revert GasBelowBudget(gasleft(), needed);
    }
}
