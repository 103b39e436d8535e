// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOffloadingPolicy} from "../../interfaces/IOffloadingPolicy.sol";
import {PackedServer} from "../libraries/PackedServer.sol";

/// @title Test double: a faulty policy that answers one past the last candidate
/// @notice Never deployed by edgeledger; the tests use it to show that the registry refuses a
/// policy's answer that names no candidate.
contract OutOfRangePolicy is IOffloadingPolicy {
    function name() external pure returns (string memory) {
        return "OutOfRange";
    }

    function selectServer(
        PackedServer[] calldata servers,
        TaskContext calldata
    ) external pure returns (uint256) {
        return servers.length;
    }
}
