"""Podium plugin `ansible`: Kestra's io.kestra.plugin.ansible.cli.AnsibleCLI, running the
Ansible CLI as a local process of the worker through Podium's script machinery
(podium.sdk.scripts)."""

from podium.sdk import Plugin
from podium_ansible.cli import AnsibleCLI

plugin = Plugin(
    name="ansible",
    title="Ansible",
    description="Run ansible-playbook and other Ansible CLI commands; playbook results "
                "become the task's outputs.",
    tasks=(AnsibleCLI,),
)
