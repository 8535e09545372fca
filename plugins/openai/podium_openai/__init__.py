"""Podium's openai plugin: Kestra's io.kestra.plugin.openai.ChatCompletion over the Chat
Completions HTTP API (podium_openai/chat_completion.py)."""

from podium.sdk import Plugin
from podium_openai.chat_completion import ChatCompletion

plugin = Plugin(
    name="openai",
    title="OpenAI",
    description="Chat completions with OpenAI's API, or any OpenAI-compatible server "
                "(Kestra's io.kestra.plugin.openai).",
    tasks=(ChatCompletion,),
)

__all__ = ["plugin"]
