// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ICollaborationMarket} from "../../interfaces/ICollaborationMarket.sol";

/// @notice Test double: a requester whose receive() calls `withdraw` again, to show that the
/// market's guard stops re-entry (the outer withdraw then fails whole and nothing is lost).
contract ReentrantRequester {
    ICollaborationMarket public immutable MARKET;

    constructor(ICollaborationMarket market) {
        MARKET = market;
    }

    function post(ICollaborationMarket.RequestTerms calldata terms) external payable {
        MARKET.postRequest{value: msg.value}(terms);
    }

    function withdraw() external {
        MARKET.withdraw();
    }

    receive() external payable {
        MARKET.withdraw();
    }
}
