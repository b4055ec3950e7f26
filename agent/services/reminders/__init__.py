"""The reminder ladder: milestones, sweeps, the facts a reminder states, send windows."""
