"""Podium's ai plugin: Kestra's io.kestra.plugin.ai ChatCompletion and AIAgent over the
providers' HTTP APIs (podium_ai/providers.py)."""

from podium.sdk import Plugin
from podium_ai.agent import AIAgent
from podium_ai.completion import ChatCompletion

plugin = Plugin(
    name="ai",
    title="AI",
    description="Chat completions and single-turn AI agents with OpenAI (or any "
                "OpenAI-compatible server), Google Gemini and Mistral AI "
                "(Kestra's io.kestra.plugin.ai).",
    tasks=(ChatCompletion, AIAgent),
)

__all__ = ["plugin"]
