"""What a change does: stable identities of findings, baselines, the findings a change introduces, and the bytecode cost of a change (git-based modes)."""
