// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PackedServer} from "../../../contracts/libraries/PackedServer.sol";
import {IOffloadingPolicy} from "../../../interfaces/IOffloadingPolicy.sol";

/// @title Test double: a policy that answers nothing and reverts with what it was given
/// @notice The unit tests expect its revert to read the candidates (as packed words) and the
/// task context the registry, or a wrapping policy, built.
contract EchoPolicy is IOffloadingPolicy {
    error Echo(
        uint256[] words,
        uint256 taskId,
        uint32 dataKb,
        uint32 computeMegacycles,
        uint16 kind,
        int32 droneX,
        int32 droneY,
        uint32 totalCapacityMcps
    );

    function name() external pure returns (string memory) {
        return "Echo";
    }

    function selectServer(
        PackedServer[] calldata servers,
        TaskContext calldata task
    ) external pure returns (uint256) {
        uint256[] memory words = new uint256[](servers.length);
        for (uint256 i = 0; i < servers.length; ++i) words[i] = PackedServer.unwrap(servers[i]);
        revert Echo(
            words,
            task.taskId,
            task.dataKb,
            task.computeMegacycles,
            task.kind,
            task.droneX,
            task.droneY,
            task.totalCapacityMcps
        );
    }
}

/// @title Small helpers shared by the unit tests (no forge-std here)
abstract contract UnitHelpers {
    /// @dev One server word as PackedServer.sol lays it out.
    function _word(address account, int32 x, int32 y, uint24 capacity) internal pure returns (uint256) {
        return uint256(uint160(account)) | (uint256(uint32(x)) << 160) | (uint256(uint32(y)) << 192)
            | (uint256(capacity) << 224);
    }

    function _pack(address account, int32 x, int32 y, uint24 capacity) internal pure returns (PackedServer) {
        return PackedServer.wrap(_word(account, x, y, capacity));
    }

    function _eq(uint256 actual, uint256 expected, string memory what) internal pure {
        require(actual == expected, what);
    }

    function _eqAddr(address actual, address expected, string memory what) internal pure {
        require(actual == expected, what);
    }

    function _eqInt(int256 actual, int256 expected, string memory what) internal pure {
        require(actual == expected, what);
    }
}
