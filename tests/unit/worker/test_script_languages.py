"""The other languages of Kestra's scripts plugin (R, Julia, Ruby, Perl, PHP, Go, PowerShell,
Deno, Bun, Lua, Groovy, JBang, .NET) as local processes, with each real runtime present on
the machine: a test of a language whose program is missing skips, saying which (marker
`script_runtimes` for Ruby, PHP and Lua, which .ci/services.sh installs: never skipped under
CI=true). Perl comes with every Debian."""

from __future__ import annotations

import re
import shutil
import sys

import pytest

from podium.common.models.state import State
from podium.common.plugins.tasks import script_languages as languages
from podium.common.storage import LocalStorage
from podium.worker.runnables import run_attempt
from tests.unit.worker.conftest import make_ctx, make_task

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")

SCRIPTS = "io.kestra.plugin.scripts"


def run(type_, inputs=None, storage=None, **props):
    ctx, logs = make_ctx(inputs, storage=storage)
    return run_attempt(make_task(type_, **props), ctx), logs


def needs(program: str, ci: bool = False):
    """Skip without `program`; `ci`: .ci/services.sh installs it, so CI never skips."""
    marks = [pytest.mark.skipif(shutil.which(program) is None,
                                reason=f"`{program}` is not installed")]
    return marks + ([pytest.mark.script_runtimes] if ci else [])


# ---------------------------------------------------------------- one inline script each
# (family, program, script printing "hi <n>" and an output, for inputs {"n": 7})
HELLO = [
    ("perl", "perl", 'my $n = {{ inputs.n }};\nprint "hi $n\\n";\n'
                     'print "::{\\"outputs\\":{\\"n\\":$n}}::\\n";', False),
    ("ruby", "ruby", 'n = {{ inputs.n }}\nputs "hi #{n}"\nputs "::{\\"outputs\\":{\\"n\\":#{n}}}::"',
     True),
    ("php", "php", '<?php\n$n = {{ inputs.n }};\necho "hi $n\\n";\n'
                   'echo "::" . json_encode(["outputs" => ["n" => $n]]) . "::\\n";', True),
    ("lua", "lua", 'local n = {{ inputs.n }}\nprint("hi " .. n)\n'
                   'print(\'::{"outputs":{"n":\' .. n .. \'}}::\')', True),
    ("r", "Rscript", 'n <- {{ inputs.n }}\ncat("hi", n, "\\n")\n'
                     'cat(sprintf(\'::{"outputs":{"n":%d}}::\\n\', n))', False),
    ("julia", "julia", 'n = {{ inputs.n }}\nprintln("hi $n")\n'
                       'println("::{\\"outputs\\":{\\"n\\":$n}}::")', False),
    ("go", "go", 'package main\nimport "fmt"\nfunc main() {\n  n := {{ inputs.n }}\n'
                 '  fmt.Printf("hi %d\\n", n)\n  fmt.Printf("::{\\"outputs\\":{\\"n\\":%d}}::\\n", n)\n}',
     False),
    ("powershell", "pwsh", '$n = {{ inputs.n }}\nWrite-Output "hi $n"\n'
                           'Write-Output (\'::{"outputs":{"n":\' + $n + \'}}::\')', False),
    ("deno", "deno", 'const n = {{ inputs.n }};\nconsole.log(`hi ${n}`);\n'
                     'console.log("::" + JSON.stringify({outputs: {n}}) + "::");', False),
    ("bun", "bun", 'const n = {{ inputs.n }};\nconsole.log(`hi ${n}`);\n'
                   'console.log("::" + JSON.stringify({outputs: {n}}) + "::");', False),
    ("groovy", "groovy", 'def n = {{ inputs.n }}\nprintln "hi $n"\n'
                         'println "::{\\"outputs\\":{\\"n\\":$n}}::"', False),
]


@pytest.mark.parametrize("family,program,script", [
    pytest.param(f, p, s, marks=needs(p, ci), id=f) for f, p, s, ci in HELLO])
def test_inline_script_runs_with_the_languages_program(family, program, script):
    outcome, logs = run(f"{SCRIPTS}.{family}.Script", inputs={"n": 7}, script=script)
    assert outcome.state is State.SUCCESS, logs.pairs()
    assert "hi 7" in [m.strip() for m in logs.messages("INFO")], logs.pairs()
    assert outcome.outputs == {"exitCode": 0, "vars": {"n": 7}}


def test_the_script_file_has_the_languages_extension():
    # Perl's __FILE__ is the path it was given: Kestra's file, with the language's extension.
    outcome, logs = run(f"{SCRIPTS}.perl.Script", script='print __FILE__, "\\n";')
    assert outcome.state is State.SUCCESS, logs.pairs()
    (path,) = logs.messages("INFO")
    assert path.endswith(".pl") and "/podium-attempt-" in path


@pytest.mark.parametrize("task", languages.LANGUAGE_TASKS, ids=lambda t: t.TYPE)
def test_every_language_task_has_kestras_defaults(task):
    family = task.TYPE.split(".")[-2]
    assert task.TYPE in (f"{SCRIPTS}.{family}.Script", f"{SCRIPTS}.{family}.Commands")
    model = make_task(task.TYPE, **({"script": "x"} if task.TYPE.endswith("Script")
                                    else {"commands": ["x"]}))
    assert model.DEFAULT_IMAGE == task.LANGUAGE.image
    interpreter = (["pwsh", "-NoProfile", "-NonInteractive", "-Command"]
                   if family == "powershell" else ["/bin/sh", "-c"])
    assert model.interpreter == interpreter and model.fail_fast is True


def test_languages_images_and_extensions_are_kestras():
    assert {t.TYPE: (t.DEFAULT_IMAGE, t.LANGUAGE.extension, t.LANGUAGE.run)
            for t in languages.LANGUAGE_TASKS if t.TYPE.endswith(".Script")} == {
        f"{SCRIPTS}.r.Script": ("r-base", ".R", ("Rscript",)),
        f"{SCRIPTS}.julia.Script": ("julia", ".jl", ("julia",)),
        f"{SCRIPTS}.ruby.Script": ("ruby", ".rb", ("ruby",)),
        f"{SCRIPTS}.perl.Script": ("perl", ".pl", ("perl",)),
        f"{SCRIPTS}.php.Script": ("php", ".php", ("php",)),
        f"{SCRIPTS}.go.Script": ("golang", ".go", ("go", "run")),
        f"{SCRIPTS}.powershell.Script": ("ghcr.io/kestra-io/powershell:latest", ".ps1",
                                         ("pwsh",)),
        f"{SCRIPTS}.deno.Script": ("denoland/deno", ".ts", ("deno", "run")),
        f"{SCRIPTS}.bun.Script": ("oven/bun", ".ts", ("bun", "run")),
        f"{SCRIPTS}.lua.Script": ("nickblah/lua", ".lua", ("lua",)),
        f"{SCRIPTS}.groovy.Script": ("groovy", ".groovy", ("groovy",)),
        f"{SCRIPTS}.jbang.Script": ("jbangdev/jbang-action", ".java", ("jbang",)),
        f"{SCRIPTS}.dotnet.Script": ("mcr.microsoft.com/dotnet/sdk:10.0", ".csx",
                                     ("dotnet-script",)),
    }


def test_dotnet_script_installs_dotnet_script_first_as_kestra(tmp_path):
    # dotnet stand-in: records its arguments; dotnet-script stand-in: prints its file.
    path = _fake_program(tmp_path, "dotnet", 'echo "dotnet $*"')
    _fake_program(tmp_path, "dotnet-script", 'echo "ran $1"')
    outcome, logs = run(f"{SCRIPTS}.dotnet.Script", env={"PATH": path},
                        beforeCommands=["echo mine"], script='Console.WriteLine("hi");')
    assert outcome.state is State.SUCCESS, logs.pairs()
    install, mine, ran = logs.messages("INFO")
    assert install == "dotnet tool install -g dotnet-script --ignore-failed-sources"
    assert mine == "mine" and ran.startswith("ran /") and ran.endswith(".csx")


# ---------------------------------------------------------------- Commands
def test_commands_with_input_files_and_before_commands():
    outcome, logs = run(f"{SCRIPTS}.perl.Commands",
                        inputFiles={"main.pl": 'print "sum=", $ARGV[0] + $ARGV[1], "\\n";'},
                        beforeCommands=["echo preparing"],
                        commands=["perl main.pl 40 2"])
    assert outcome.state is State.SUCCESS, logs.pairs()
    assert logs.messages("INFO") == ["preparing", "sum=42"]


def test_fail_fast_stops_at_the_first_failing_command():
    outcome, logs = run(f"{SCRIPTS}.perl.Commands", commands=["perl -e 'exit 3'", "echo after"])
    assert outcome.state is State.FAILED and outcome.outputs["exitCode"] == 3
    assert "after" not in logs.messages("INFO")


def test_a_failing_script_keeps_its_exit_code_and_stderr():
    outcome, logs = run(f"{SCRIPTS}.perl.Script", script='print STDERR "bad input\\n"; exit 5;')
    assert outcome.state is State.FAILED and outcome.outputs["exitCode"] == 5
    assert outcome.error == "Command failed with exit code 5"
    assert ("ERROR", "bad input") in logs.pairs()


@pytest.mark.script_runtimes
@pytest.mark.skipif(shutil.which("ruby") is None, reason="`ruby` is not installed")
def test_ruby_commands_and_output_files(tmp_path):
    with LocalStorage(tmp_path / "storage") as storage:
        outcome, logs = run(f"{SCRIPTS}.ruby.Commands", storage=storage,
                            outputFiles=["output.txt"],
                            inputFiles={"main.rb": 'File.write("output.txt", "Hello World")'},
                            commands=["ruby main.rb"])
        assert outcome.state is State.SUCCESS, logs.pairs()
        uri = outcome.outputs["outputFiles"]["output.txt"]
        assert storage.read_bytes(uri) == b"Hello World"


# ---------------------------------------------------------------- a missing runtime
@pytest.mark.parametrize("task", languages.LANGUAGE_TASKS, ids=lambda t: t.TYPE)
def test_without_the_runtime_the_task_fails_naming_the_program(task, tmp_path):
    props = {"script": "x"} if task.TYPE.endswith("Script") else {"commands": ["x"]}
    # A PATH with the shell only: the language's program is not there.
    (tmp_path / "sh").symlink_to(shutil.which("sh"))
    outcome, logs = run(task.TYPE, env={"PATH": str(tmp_path)}, **props)
    assert outcome.state is State.FAILED
    program = task.LANGUAGE.program
    assert outcome.error.startswith(f"{task.LANGUAGE.name} is not installed on this worker: "
                                    f"no `{program}` on PATH ({tmp_path}). Install "), \
        outcome.error
    assert "Traceback" not in outcome.error


# ---------------------------------------------------------------- PowerShell, JBang
def _fake_program(tmp_path, name: str, body: str):
    """A stand-in for a runtime this machine may lack, printing how it was called."""
    program = tmp_path / name
    program.write_text("#!/bin/sh\n" + body + "\n")
    program.chmod(0o755)
    return str(tmp_path) + ":/usr/bin:/bin"


def test_powershell_gets_its_interpreter_error_preference_and_call_operator(tmp_path):
    # pwsh stand-in: prints the -Command text it receives.
    path = _fake_program(tmp_path, "pwsh", 'shift 3; printf "%s\\n" "$1"')
    outcome, logs = run(f"{SCRIPTS}.powershell.Script", env={"PATH": path},
                        beforeCommands=["Import-Module X"], script="Write-Output 1")
    assert outcome.state is State.SUCCESS, logs.pairs()
    first, before, call = logs.messages("INFO")
    assert (first, before) == ("$ErrorActionPreference = 'Stop'", "Import-Module X")
    assert re.fullmatch(r"& '/.*/podium-attempt-[^/]+/.*/script-[^/']+\.ps1'", call), call


def test_jbang_quiet_and_extension(tmp_path):
    path = _fake_program(tmp_path, "jbang", 'echo "$@"')
    outcome, logs = run(f"{SCRIPTS}.jbang.Script", env={"PATH": path}, script="class A {}")
    assert outcome.state is State.SUCCESS, logs.pairs()
    (line,) = logs.messages("INFO")
    assert line.startswith("--quiet /") and line.endswith(".java")
    outcome, logs = run(f"{SCRIPTS}.jbang.Script", env={"PATH": path}, quiet=False,
                        extension=".kt", script="fun main() {}")
    (line,) = logs.messages("INFO")
    assert line.startswith("/") and line.endswith(".kt")


@pytest.mark.parametrize("extension", ["java", "/../x.java", ".ja/va", "", ".x y"])
def test_jbang_refuses_an_extension_that_is_not_one(extension, tmp_path):
    path = _fake_program(tmp_path, "jbang", 'echo "$@"')
    outcome, _ = run(f"{SCRIPTS}.jbang.Script", env={"PATH": path}, extension=extension,
                     script="class A {}")
    assert outcome.state is State.FAILED
    assert outcome.error.startswith("`extension` must be a file extension")
