"""Which Ansible programs the commands need, and how a missing one is reported."""

from __future__ import annotations

from podium_ansible import locate


def test_programs_are_the_commands_first_words():
    commands = ["ansible-playbook -i inventory.ini site.yml", "  ansible all -m ping",
                "ansible-playbook other.yml", "echo ansible-vault", "ansible_lint x",
                "ansible-galaxy install -r requirements.yml"]
    assert locate.programs(commands) == ["ansible-playbook", "ansible", "ansible-galaxy"]


def test_a_missing_program_becomes_the_failure():
    logged = []
    report = locate.Report(lambda level, text: logged.append((level, text)))
    report.line("PLAY [all]", False)
    assert report.missing is None
    report.line("bash: line 3: ansible-galaxy: command not found", True)
    assert report.missing == locate.not_found("ansible-galaxy")
    assert logged[-1][0] == "ERROR" and "pip install 'podium-plugin-ansible[ansible]'" \
        in logged[-1][1]


def test_the_worker_ansible_is_found_beside_its_python(tmp_path):
    assert locate.fallback_folders(str(tmp_path), path="") == []
    program = tmp_path / "bin" / "ansible-playbook"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    assert locate.fallback_folders(str(tmp_path), path="") == [str(tmp_path / "bin")]
