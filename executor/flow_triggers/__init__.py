"""Flow triggers: executions that start when another execution changes state."""
