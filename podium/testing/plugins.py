"""A test's own plugin types, registered for the length of a test.

The registry fills itself once (common/plugins/loading.py); a type a test defines is added
here, given the same treatment as an installed plugin's (typed properties that take
expressions), and the flow schemas that embed the task and trigger unions are rebuilt so
that flows validated in the block see it. Taken out again afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import BaseModel

from podium.common.flow.model import Flow
from podium.common.plugins import FlowableTask, registry
from podium.common.plugins.dynamic import install
from podium.common.plugins.plugin import Plugin


@contextmanager
def registered(plugin: Plugin) -> Iterator[Plugin]:
    registry.add_plugin(plugin)
    install([cls for classes in plugin.by_category().values() for cls in classes])
    _rebuild_flow_schemas()
    try:
        yield plugin
    finally:
        for category, classes in plugin.by_category().items():
            for cls in classes:
                registry.remove(category, cls)
        registry.forget_plugin(plugin)
        _rebuild_flow_schemas()


def _rebuild_flow_schemas() -> None:
    """Flowable tasks hold task unions, and a flow holds all: rebuilt inside out."""
    models: list[type[BaseModel]] = [cls for cls in registry.classes("task").values()
                                     if issubclass(cls, FlowableTask)]
    for model in [*models, Flow]:
        model.model_rebuild(force=True)
