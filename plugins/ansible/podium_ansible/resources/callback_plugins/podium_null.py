# A stdout callback that prints nothing (podium-plugin-ansible): the default ansible.cfg of
# Podium's AnsibleCLI names it where Kestra's names `ansible.builtin.null`, which plain
# ansible-core does not have (it is community.general's); the kestra_logger callback logs
# the results instead.

from __future__ import annotations

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: podium_null
    type: stdout
    short_description: prints nothing
    description:
        - A stdout callback with no output, for when another callback logs the results.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "podium_null"
