"""The plugin registry loads once, however many threads look a type up first.

An executor's two batch consumers parse their first flows at the same moment. The registry
used to mark itself loaded before loading: the second thread's lookup then found no class,
and a valid flow failed with "unknown task type 'io.kestra.plugin.core.debug.Return'; did
you mean io.kestra.plugin.core.debug.Return?" (seen in tests/integration/test_scale_out.py).
"""

from __future__ import annotations

import threading

from podium.common.plugins import loading
from podium.common.plugins.registry import PluginRegistry


def test_a_lookup_during_another_threads_loading_waits_for_it(monkeypatch):
    load = loading.load_plugins
    loading_started = threading.Event()
    carry_on = threading.Event()
    loads = []

    def slow_load(registry):
        loads.append(threading.current_thread().name)
        loading_started.set()
        carry_on.wait(10)  # held until the other thread's lookup has begun
        load(registry)

    monkeypatch.setattr(loading, "load_plugins", slow_load)
    registry = PluginRegistry()
    found = {}

    def look_up(name):
        found[name] = registry.resolve("task", "io.kestra.plugin.core.debug.Return")

    first = threading.Thread(target=look_up, args=("first",))
    first.start()
    assert loading_started.wait(10)
    second = threading.Thread(target=look_up, args=("second",))
    second.start()
    second.join(0.2)  # a lookup that does not wait ends at once, with nothing found
    assert second.is_alive(), f"the second lookup did not wait: {found}"
    carry_on.set()
    first.join(10)
    second.join(10)
    assert found["first"] is not None and found["second"] is found["first"]
    assert len(loads) == 1  # loaded once


def test_a_lookup_made_by_the_loading_itself_does_not_recurse(monkeypatch):
    load = loading.load_plugins
    inner = []

    def load_and_look(registry):
        inner.append(registry.resolve("task", "io.kestra.plugin.core.debug.Return"))
        load(registry)

    monkeypatch.setattr(loading, "load_plugins", load_and_look)
    registry = PluginRegistry()
    assert registry.resolve("task", "io.kestra.plugin.core.debug.Return") is not None
    assert inner == [None]  # answered at once from what was registered so far
