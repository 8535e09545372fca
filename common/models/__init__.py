"""Execution-side data: states, executions, task runs. Plain data, no I/O."""
