"""Helpers for tests, benchmarks and the conformance runner, never used by a service:
`fleet` (the services as real processes), `sandbox` (a throwaway deployment on the local
PostgreSQL and Redis), `capabilities` (which task types this build can run)."""
