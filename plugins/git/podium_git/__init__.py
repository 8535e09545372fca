"""Podium's git plugin: Kestra's io.kestra.plugin.git tasks through the git command line
(podium_git/_git.py says why and how credentials are kept out of logs and files)."""

from podium.sdk import Plugin
from podium_git.clone import Clone
from podium_git.push_flows import PushFlows
from podium_git.push_namespace_files import PushNamespaceFiles
from podium_git.sync_flows import SyncFlows
from podium_git.sync_namespace_files import SyncNamespaceFiles

plugin = Plugin(
    name="git",
    title="Git",
    description="Clone repositories, and sync or push flows and namespace files between "
                "Git and Podium (Kestra's io.kestra.plugin.git).",
    tasks=(Clone, SyncFlows, SyncNamespaceFiles, PushFlows, PushNamespaceFiles),
)

__all__ = ["plugin"]
