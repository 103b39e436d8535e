"""BlockEdge: the collaboration market's off-chain side."""
