"""The plugin as Podium sees it: its entry point, its types in order, and every example
flow valid."""

from __future__ import annotations

import os
import stat

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.plugins.discovery import discover
from podium_git import plugin
from podium_git._git import Credentials, Git

TYPES = ["io.kestra.plugin.git.Clone", "io.kestra.plugin.git.SyncFlows",
         "io.kestra.plugin.git.SyncNamespaceFiles", "io.kestra.plugin.git.PushFlows",
         "io.kestra.plugin.git.PushNamespaceFiles"]


def test_the_plugin_is_found_through_its_entry_point():
    found, broken = discover()
    git = next(p for p in found if p.name == "git")
    assert git.distribution == "podium-plugin-git" and git.version == "0.1.0"
    assert [cls.TYPE for cls in git.tasks] == TYPES
    assert not [b for b in broken if b.name == "git"]


@pytest.mark.parametrize("example", [(cls.TYPE, e) for cls in plugin.tasks
                                     for e in cls.EXAMPLES], ids=lambda item: item[0])
def test_every_example_flow_validates(example):
    type_name, entry = example
    loaded = parse_flow(entry.code)
    assert type_name in entry.code and loaded.flow.id


def test_a_private_key_lives_in_a_private_file_for_the_attempt_only():
    runner = Git(Credentials(private_key="-----BEGIN KEY-----\nabc\n-----END KEY-----",
                             passphrase="pass"))
    env = runner.run("-c", "alias.env=!env", "env")
    command = next(line for line in env.splitlines() if line.startswith("GIT_SSH_COMMAND="))
    key = command.split(" -i ", 1)[1].split()[0]
    with open(key, encoding="utf-8") as file:
        assert file.read().startswith("-----BEGIN KEY-----")
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert "IdentitiesOnly=yes" in command and "SSH_ASKPASS_REQUIRE=force" in env
    runner.close()
    assert not os.path.exists(key)
