#!/usr/bin/python
# The `kestra` Ansible module of Podium's AnsibleCLI task (podium-plugin-ansible), as
# Kestra's: a playbook task `kestra: {outputs: {name: value}}` declares task outputs, which
# the kestra_logger callback collects (the only outputs with `outputsMode: EXPLICIT`).

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: kestra
short_description: Declare values the orchestrator keeps as task outputs
description:
  - The values of C(outputs) become the AnsibleCLI task's C(vars.outputs) when the task
    runs with C(outputsMode: EXPLICIT).
  - Do not loop over this module (the values of a loop are not collected); on several
    hosts, the last host's value of a name wins.
options:
  outputs:
    description: Names and JSON-serializable values.
    type: dict
    required: false
"""

RETURN = r"""
outputs:
  description: The declared values, returned for the callback.
  type: dict
  returned: always
"""


def main():
    module = AnsibleModule(argument_spec={"outputs": {"type": "dict", "required": False}},
                           required_one_of=[["outputs"]], supports_check_mode=True)
    module.exit_json(changed=False, outputs=module.params["outputs"])


if __name__ == "__main__":
    main()
