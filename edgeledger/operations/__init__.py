"""The operator's side: deploying to a live network (`rollout`), checking a deployment against
its record (`inspection`), and the day-to-day admin actions (`admin`)."""
