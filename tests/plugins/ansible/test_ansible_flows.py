"""AnsibleCLI through real flows on the embedded runtime, running the real ansible-playbook
on localhost (local connection): playbooks from inputFiles and from namespace files, the
callback's outputs in both modes, output files, failures."""

from __future__ import annotations

import json

import pytest

from podium.common.errors import FlowValidationError
from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.storage import namespace_file_uri

INVENTORY = "localhost ansible_connection=local\n"

INLINE_FLOW = """
id: ansible_inline
namespace: tests.ansible.inline
tasks:
  - id: play
    type: io.kestra.plugin.ansible.cli.AnsibleCLI
    containerImage: cytopia/ansible:latest-tools
    outputLogFile: true
    outputFiles:
      - greeting.txt
    inputFiles:
      inventory.ini: |
        localhost ansible_connection=local
      playbook.yml: |
        ---
        - name: Greet
          hosts: localhost
          gather_facts: false
          tasks:
            - name: Create file
              shell: echo "Hello from {{ flow.id }}" >> greeting.txt
            - name: Read it
              command: cat greeting.txt
              register: content
    beforeCommands:
      - echo before >> before.txt
    commands:
      - ansible-playbook -i inventory.ini playbook.yml
      - ansible-playbook -i inventory.ini playbook.yml
      - cat before.txt
"""

# From namespace files, which are copied as they are: Ansible's own Jinja stays untouched.
PLAYBOOK = """---
- name: Deploy
  hosts: localhost
  gather_facts: false
  vars:
    version: "1.2.3"
  tasks:
    - name: Fetch a credential
      ansible.builtin.set_fact:
        password: not-for-outputs
    - name: Write the release file
      ansible.builtin.copy:
        dest: "{{ playbook_dir }}/release.txt"
        content: "release {{ version }}\\n"
    - name: Declare outputs
      kestra:
        outputs:
          version: "{{ version }}"
          hosts: "{{ ansible_play_hosts | length }}"
"""

NAMESPACE_FLOW = """
id: ansible_namespace
namespace: tests.ansible.ns
tasks:
  - id: play
    type: io.kestra.plugin.ansible.cli.AnsibleCLI
    outputsMode: EXPLICIT
    namespaceFiles:
      enabled: true
    outputFiles:
      - release.txt
    commands:
      - ansible-playbook -i inventory.ini playbook.yml
"""

FAILING_FLOW = """
id: ansible_failing
namespace: tests.ansible.fail
tasks:
  - id: play
    type: io.kestra.plugin.ansible.cli.AnsibleCLI
    inputFiles:
      inventory.ini: |
        localhost ansible_connection=local
      playbook.yml: |
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: Break
              command: /bin/false
    commands:
      - ansible-playbook -i inventory.ini playbook.yml
"""


def run(rt, source: str):
    loaded = parse_flow(source)
    rt.deploy(loaded)
    flow = loaded.flow
    return rt.wait(rt.submit(flow.namespace, flow.id, {}).id, 300)


def messages(rt, execution, level: str | None = None) -> list[str]:
    return [e.message for e in rt.logs(execution.id) if level is None or e.level == level]


def outputs(rt, execution) -> dict:
    (task_run,) = [r for r in rt.task_runs(execution.id) if r.task_id == "play"]
    return task_run.outputs or {}


def read(rt, uri: str) -> str:
    with rt.storage.get(uri) as stream:
        return stream.read().decode()


def test_inline_playbook_runs_on_localhost(rt):
    done = run(rt, INLINE_FLOW)
    lines = messages(rt, done)
    assert done.state is State.SUCCESS, "\n".join(lines[-30:])
    out = outputs(rt, done)
    assert out["exitCode"] == 0
    # Two playbook runs, merged: two host results each, two playbooks.
    results = out["vars"]["outputs"]
    assert [r.get("stdout") for r in results if "stdout" in r][-1] == \
        "Hello from ansible_inline\nHello from ansible_inline"
    assert len(results) == 4 and len(out["playbooks"]) == 2
    (play,) = out["playbooks"][0]["plays"]
    assert play["name"] == "Greet"
    assert [t["name"] for t in play["tasks"]] == ["Create file", "Read it"]
    task = play["tasks"][1]
    assert task["uid"] == "Greet | Read it" and task["startedAt"] and task["endedAt"]
    assert task["hosts"][0]["host"] == "localhost" and task["hosts"][0]["status"] == "ok"
    assert out["vars"]["playbooks"] == out["playbooks"]
    # Output files come back from internal storage; the log file has both runs.
    files = out["outputFiles"]
    assert read(rt, files["greeting.txt"]).count("Hello from ansible_inline") == 2
    assert read(rt, files["log"]).count("[localhost] Read it: ok") == 2
    # One line per host result; beforeCommands ran once; the unused image is said.
    assert sum(line.startswith("[localhost] Read it: ok => ") for line in lines) == 2
    assert "before" in lines
    assert any("cytopia/ansible:latest-tools" in line for line in messages(rt, done, "WARN"))


def test_namespace_files_and_explicit_outputs(rt):
    for path, text in {"inventory.ini": INVENTORY, "playbook.yml": PLAYBOOK}.items():
        rt.storage.put(namespace_file_uri("tests.ansible.ns", path), text.encode())
    done = run(rt, NAMESPACE_FLOW)
    lines = messages(rt, done)
    assert done.state is State.SUCCESS, "\n".join(lines[-30:])
    out = outputs(rt, done)
    assert out["vars"]["outputs"] == {"version": "1.2.3", "hosts": 1}
    assert read(rt, out["outputFiles"]["release.txt"]) == "release 1.2.3\n"
    # Host results are cut down to `changed` in outputs and logs: no fetched secret.
    assert "not-for-outputs" not in json.dumps(out) + "\n".join(lines)
    tasks = out["playbooks"][0]["plays"][0]["tasks"]
    assert [h["result"] for t in tasks for h in t["hosts"]] == [
        {"changed": False}, {"changed": True}, {"changed": False}]
    assert "[localhost] Write the release file: ok => {\"changed\": true}" in lines


def test_a_failing_playbook_fails_the_task(rt):
    done = run(rt, FAILING_FLOW)
    assert done.state is State.FAILED
    out = outputs(rt, done)
    assert out["exitCode"] == 2
    (host,) = out["playbooks"][0]["plays"][0]["tasks"][0]["hosts"]
    assert host["status"] == "failed" and host["result"]["rc"] == 1
    errors = messages(rt, done, "ERROR")
    assert any(line.startswith("[localhost] Break: failed => ") for line in errors)
    assert "Command failed with exit code 2" in errors


def test_an_existing_ansible_cfg_is_kept(rt):
    flow = INLINE_FLOW.replace("id: ansible_inline", "id: ansible_cfg").replace(
        "      inventory.ini: |", "      ansible.cfg: |\n        [defaults]\n"
        "        callbacks_enabled = kestra_logger\n        callback_plugins = ./callback_plugins\n"
        "      inventory.ini: |")
    done = run(rt, flow)
    assert done.state is State.SUCCESS, "\n".join(messages(rt, done)[-30:])
    assert "Found an existing ansible.cfg file. Ignoring creation of a new ansible.cfg " \
           "file." in messages(rt, done, "WARN")
    # Ansible's default screen output is back, and the callback still collects.
    assert any(line.startswith("PLAY RECAP") for line in messages(rt, done))
    assert len(outputs(rt, done)["vars"]["outputs"]) == 4


def test_without_ansible_the_task_says_how_to_install_it(rt, monkeypatch):
    from podium_ansible import cli

    monkeypatch.setattr(cli.locate, "fallback_folders", lambda: [])
    flow = FAILING_FLOW.replace("ansible_failing", "ansible_missing").replace(
        "    commands:", "    env:\n      PATH: /nowhere\n    commands:")
    done = run(rt, flow)
    assert done.state is State.FAILED
    errors = messages(rt, done, "ERROR")
    assert any(line.startswith("ansible-playbook was not found: install Ansible beside the "
                               "worker (pip install 'podium-plugin-ansible[ansible]'")
               for line in errors), errors
    assert outputs(rt, done)["exitCode"] == 127


def test_bad_outputs_mode_is_refused():
    with pytest.raises(FlowValidationError, match="outputsMode"):
        parse_flow(FAILING_FLOW.replace("    commands:", "    outputsMode: SOME\n    commands:"))
