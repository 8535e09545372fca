"""The application layer: every operation a user can ask of Podium, written once.

The API (api/), the CLI (podium/cli/) and a UI call these functions; none of them opens
the store or publishes a message itself. Each function takes the parts it works over (a
`Parts`: the Runtime, or anything with the same attributes) and raises errors of the one
tree in common/errors.py (NotFoundError, ConflictError, InvalidRequestError, PodiumError),
which each caller turns into its own answer (an HTTP status, a CLI message).

One module per area: executions (read, submit, labels, files), control (kill, restart,
replay, set state, resume, review), flows, triggers, kv, namespace_files, logs, services,
webhooks. Below this layer: common/ (store, storage, transport) and the executor's pure
checks (executor/engine/features/).
"""
