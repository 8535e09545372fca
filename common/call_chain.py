"""How deep an execution sits in a chain of flows starting flows (subflows, Flow triggers).

A flow that starts itself, directly (`flowId: "{{ flow.id }}"`) or through others
(A -> B -> A), would otherwise run forever, one execution at a time. Every execution a
Subflow/ForEachItem task or a Flow trigger creates records the chain of flows that led to
it, itself last, in its engine state (`Execution.engine.call_chain`, never shown); an
execution started any other way (API, CLI, schedule, webhook) is the root of its own
chain. The executor refuses to start an execution whose chain would be longer than the
limit (`PODIUM_EXECUTOR__MAX_CHAIN_DEPTH`, default 10).
"""

from __future__ import annotations

from podium.common.errors import PodiumError
from podium.common.models.execution import Execution

DEFAULT_MAX_DEPTH = 10
_SHOWN_AT_EACH_END = 6  # a long chain is shown as its first and last flows


class ChainDepthError(PodiumError):
    """Starting a flow would make its chain longer than the limit."""


def flow_name(namespace: str, flow_id: str) -> str:
    return f"{namespace}.{flow_id}"


def chain_of(execution: Execution) -> list[str]:
    """The flows that led to `execution`, itself last (just itself for a root execution)."""
    if execution.engine.call_chain:
        return list(execution.engine.call_chain)
    return [flow_name(execution.namespace, execution.flow_id)]


def extended_chain(parent: Execution, namespace: str, flow_id: str, limit: int,
                   how: str) -> list[str]:
    """The chain of an execution of `namespace.flow_id` that `parent` starts (`how`:
    "subflow" or "flow trigger"). Raises ChainDepthError, naming the limit and the chain,
    when it would be longer than `limit`."""
    chain = [*chain_of(parent), flow_name(namespace, flow_id)]
    if len(chain) > limit:
        raise ChainDepthError(f"{how} depth limit {limit} reached: {describe(chain)}")
    return chain


def describe(chain: list[str]) -> str:
    if len(chain) > 2 * _SHOWN_AT_EACH_END:
        chain = [*chain[:_SHOWN_AT_EACH_END], "…", *chain[-_SHOWN_AT_EACH_END:]]
    return " → ".join(chain)
