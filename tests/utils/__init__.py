"""What several test modules share: checks, runners and the RELIABILITY.md reporter."""
