"""io.kestra.plugin.ansible.cli.AnsibleCLI."""

from __future__ import annotations

import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field
from typing_extensions import Annotated

from podium.sdk import Dyn, Example, Expr, RunContext, TaskFailure
from podium.sdk.scripts import ScriptTask, render_commands, run_commands
from podium_ansible import examples, locate, results

# Kestra's generated ansible.cfg: its callback collects the results, Ansible's own screen
# output is off (the callback logs one line per host result), the `kestra` module is found.
# Kestra's turns the screen output off with `ansible.builtin.null`, which only Ansible's
# community.general collection provides; Podium's with a bundled callback that does.
DEFAULT_CONFIG = """[defaults]
log_path          = {{ workingDir }}/log
callback_plugins  = ./callback_plugins
callbacks_enabled = kestra_logger
stdout_callback   = podium_null
result_format     = json
pretty_results    = true
library           = ./library
"""
CONFIG = "ansible.cfg"
# Files Ansible loads from the working directory (always written, as Kestra does).
BUNDLED = ("callback_plugins/kestra_logger.py", "callback_plugins/podium_null.py",
           "library/kestra.py")
REQUIREMENTS = {
    "python": "[ ! -f requirements.txt ] || pip install --no-cache-dir -r requirements.txt",
    "galaxy": "[ ! -f requirements.yml ] || ansible-galaxy install -r requirements.yml",
}


class AnsibleCLI(ScriptTask):
    """Run `ansible-playbook` (or any Ansible CLI command) in the task's working directory.

    As Kestra's task: an `ansible.cfg` is written from `ansibleConfig` (rendered with
    `workingDir`) unless the working directory already has one; the callback
    `callback_plugins/kestra_logger.py` and the module `library/kestra.py` are written
    beside it. The callback logs one line per host result and turns the playbook's results
    into `vars.outputs` (with `outputsMode: ALL`, every host result; with EXPLICIT, the
    values `kestra: {outputs: ...}` tasks declare, host results being cut down to
    `changed`) and `vars.playbooks` (plays, tasks, timings, host results), merged over
    the commands. `requirements.txt` / `requirements.yml` in the working directory are
    installed first (pip, ansible-galaxy) unless turned off; `outputLogFile` adds
    Ansible's log file as the output file `log`.

    Podium runs the commands as local processes of the worker, like the core script tasks
    (`taskRunner`, `docker` and `containerImage` are read and not used): the Ansible on the
    task's PATH, else the one installed with the worker
    (`pip install 'podium-plugin-ansible[ansible]'`). Kestra's per-Ansible-task child task
    runs and host assets are not made: their lines are the task's own log lines.

    Outputs: `exitCode`, `vars` (outputs, playbooks), `outputFiles`, `playbooks`."""

    TYPE: ClassVar[str] = "io.kestra.plugin.ansible.cli.AnsibleCLI"
    DEFAULT_IMAGE: ClassVar[str] = "cytopia/ansible:latest-tools"
    EXAMPLES: ClassVar[tuple[Example, ...]] = examples.ANSIBLE_CLI

    commands: Annotated[list[str], Field(min_length=1)] | Expr
    interpreter: Annotated[list[str], Field(min_length=1)] | Expr = ["/bin/bash", "-c"]
    ansible_config: str = DEFAULT_CONFIG
    outputs_mode: Literal["ALL", "EXPLICIT"] | Expr = "ALL"
    output_log_file: Dyn[bool] = False
    auto_install_python_requirements: Dyn[bool] = True
    auto_install_galaxy_requirements: Dyn[bool] = True

    def run(self, ctx: RunContext) -> Any:
        mode = str(ctx.render(self.outputs_mode)).strip().upper()
        if mode not in ("ALL", "EXPLICIT"):
            raise TaskFailure(f"`outputsMode` must be ALL or EXPLICIT, not '{mode}'")
        work = Path(ctx.working_dir)
        fd, name = tempfile.mkstemp(prefix=".ansible-results-", suffix=".jsonl", dir=work)
        os.close(fd)
        report = locate.Report(ctx.log)
        try:
            run = run_commands(self, ctx, lambda extra: self._commands(ctx, extra),
                               on_line=report.line, env={"KESTRA_OUTPUTS_MODE": mode.lower(),
                                               "PODIUM_ANSIBLE_RESULTS": name},
                               path_append=locate.fallback_folders())
            collected = results.read(Path(name), explicit=mode == "EXPLICIT")
        finally:
            os.unlink(name)
        outputs = run.outputs
        outputs["vars"] = {**outputs.get("vars", {}), **collected}
        outputs["playbooks"] = collected["playbooks"]
        if ctx.render_bool(self.output_log_file) and (work / "log").is_file():
            outputs.setdefault("outputFiles", {})["log"] = ctx.put_file(work / "log", "log")
        if run.failure is not None:
            raise TaskFailure(report.missing or run.failure, outputs)
        return outputs

    def _commands(self, ctx: RunContext, extra: dict[str, Any]) -> list[str]:
        """Called once namespace and input files are in place: writes ansible.cfg (unless
        one is there), the callback and the module, then gives the command lines."""
        work = Path(extra["workingDir"])
        config = work / CONFIG
        if config.exists():
            ctx.log("WARN", "Found an existing ansible.cfg file. Ignoring creation of a new "
                            "ansible.cfg file.")
        else:
            config.write_text(str(ctx.render(self.ansible_config, extra)), encoding="utf-8")
        bundle = resources.files("podium_ansible") / "resources"
        for relative in BUNDLED:
            target = work / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text((bundle / relative).read_text(encoding="utf-8"),
                              encoding="utf-8")
        commands = render_commands(ctx, self.commands, extra)
        installs = [line for key, line in REQUIREMENTS.items()
                    if ctx.render_bool(getattr(self, f"auto_install_{key}_requirements"),
                                       extra)]
        # ansible-galaxy is checked only when it will run (the file is there by now).
        galaxy = REQUIREMENTS["galaxy"] in installs and (work / "requirements.yml").is_file()
        return [*locate.checks([*(["ansible-galaxy"] if galaxy else []), *commands]),
                *installs, *commands]

