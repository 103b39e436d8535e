"""edgeledger: accountable edge offloading on Ethereum (DMEC, FRESCO, BlockEdge)."""

__version__ = "0.1.0"
