"""DMEC: drone-aided MEC offloading through the DroneMecRegistry contract."""
