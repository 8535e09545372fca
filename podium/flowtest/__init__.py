"""Unit tests for flows (`podium flow test`): test files (spec), task fixtures swapped into
the flow (fixtures), cases run embedded (runner), assertions over the finished execution
(context, assertions), reports (report) and re-runs on change (watch)."""
