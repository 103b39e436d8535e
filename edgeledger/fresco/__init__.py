"""FRESCO: the on-chain reputation of edge nodes and the off-chain offloading decisions."""
