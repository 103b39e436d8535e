// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title The few forge cheatcodes and hooks the campaigns use
/// @notice npm's forge-std is an old copy without StdInvariant, so the campaigns declare what
/// they use themselves: the cheatcodes below, and the hooks forge reads by name
/// (targetContracts, targetSelectors) in InvariantTest.
interface Vm {
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function warp(uint256 timestamp) external;
    function deal(address account, uint256 balance) external;
    function roll(uint256 blockNumber) external;
    function expectRevert() external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert(bytes calldata revertData) external;
    function label(address account, string calldata name) external;
    function addr(uint256 privateKey) external pure returns (address);
    function assume(bool condition) external pure;
    function projectRoot() external view returns (string memory);
    function readFile(string calldata path) external view returns (string memory);
    function parseJsonUintArray(string calldata json, string calldata key) external pure returns (uint256[] memory);
    function parseJsonIntArray(string calldata json, string calldata key) external pure returns (int256[] memory);
    function parseJsonBoolArray(string calldata json, string calldata key) external pure returns (bool[] memory);
    function parseJsonAddressArray(string calldata json, string calldata key) external pure returns (address[] memory);
    function parseJsonBytes32Array(string calldata json, string calldata key) external pure returns (bytes32[] memory);
}

/// @dev forge's cheatcode address: keccak256("hevm cheat code") in its last 20 bytes.
Vm constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

/// @dev What targetSelectors returns: the handler functions forge may call on one contract.
struct FuzzSelector {
    address addr;
    bytes4[] selectors;
}

/// @title Base of every invariant campaign: one handler, the selectors forge may call on it
abstract contract InvariantTest {
    address[] private _targets;
    FuzzSelector[] private _selectors;

    /// @dev forge calls only these contracts ...
    function targetContracts() public view returns (address[] memory) {
        return _targets;
    }

    /// @dev ... and on them only these functions (a handler's helpers and views are left out).
    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _selectors;
    }

    function _target(address handler, bytes4[] memory selectors) internal {
        _targets.push(handler);
        _selectors.push(FuzzSelector(handler, selectors));
    }
}
