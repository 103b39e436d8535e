"""The papers' experiments replayed on a chain, one package each (dmec, fresco, blockedge) and the
one-identity scenario that joins them. Each has three rooms: its settings, the experiment (rows,
from the chain; it knows nothing of files or plots) and its report (rows to CSV, PNG and
summary.md); units.py holds what long replays share: a journal of finished units, retries
through a lost node, and worker processes with a node each.
"""
