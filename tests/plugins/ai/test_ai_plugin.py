"""The plugin as Podium sees it: its entry point, its types, every example flow valid."""

from __future__ import annotations

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.plugins.discovery import discover
from podium_ai import plugin

TYPES = ["io.kestra.plugin.ai.completion.ChatCompletion", "io.kestra.plugin.ai.agent.AIAgent"]


def test_the_plugin_is_found_through_its_entry_point():
    found, broken = discover()
    ai = next(p for p in found if p.name == "ai")
    assert ai.distribution == "podium-plugin-ai" and ai.version == "0.1.0"
    assert [cls.TYPE for cls in ai.tasks] == TYPES
    assert not [b for b in broken if b.name == "ai"]


@pytest.mark.parametrize("example", [(cls.TYPE, e) for cls in plugin.tasks
                                     for e in cls.EXAMPLES], ids=lambda item: item[0])
def test_every_example_flow_validates(example):
    type_name, entry = example
    loaded = parse_flow(entry.code)
    assert type_name in entry.code and loaded.flow.id


def test_the_older_langchain4j_names_resolve():
    flow = """
id: old
namespace: company.ai
tasks:
  - id: chat
    type: io.kestra.plugin.langchain4j.ChatCompletion
    provider:
      type: io.kestra.plugin.langchain4j.provider.OpenAI
      apiKey: k
      modelName: gpt-4o-mini
    messages:
      - type: USER
        content: hi
"""
    assert parse_flow(flow).flow.tasks[0].id == "chat"
