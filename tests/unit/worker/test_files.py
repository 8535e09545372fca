"""Files of an attempt: RunContext helpers, read() restrictions, script inputFiles /
outputFiles / outputDir, WorkingDirectory outputFiles and LocalFiles, on local storage."""

from __future__ import annotations

import sys

import pytest

from podium.common.errors import FileAccessError, StorageError, TemplateError
from podium.common.models.state import State
from podium.common.storage import LocalStorage, input_file_uri, namespace_file_uri, task_output_uri
from podium.common.storage.local_paths import LocalFiles
from podium.worker.runnables import run_attempt
from podium.worker.runnables.files import glob_regex
from tests.unit.worker.conftest import make_ctx, make_task

SH = "io.kestra.plugin.scripts.shell.Commands"
PY_SCRIPT = "io.kestra.plugin.scripts.python.Script"
RET = "io.kestra.plugin.core.debug.Return"
WD = "io.kestra.plugin.core.flow.WorkingDirectory"
LOCAL_FILES = "io.kestra.plugin.core.storage.LocalFiles"
INPUT = input_file_uri("company.team", "flow", "exec1", "data", "in.txt")
OTHER = input_file_uri("company.team", "flow", "exec2", "data", "in.txt")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")


@pytest.fixture
def storage(tmp_path):
    with LocalStorage(tmp_path / "storage") as storage:
        storage.put(INPUT, b"hello file\n")
        storage.put(OTHER, b"not yours\n")
        yield storage


def run(storage, type_, **props):
    ctx, logs = make_ctx(storage=storage)
    return run_attempt(make_task(type_, **props), ctx), logs


# ---------------------------------------------------------------- RunContext helpers
def test_put_file_stores_under_the_task_run(storage, tmp_path):
    ctx, _ = make_ctx(storage=storage)
    local = tmp_path / "report.csv"
    local.write_text("a,b\n")
    uri = ctx.put_file(local)
    assert uri == task_output_uri("company.team", "flow", "exec1", "t1", "tr1", "report.csv")
    assert storage.read_bytes(uri) == b"a,b\n"
    assert ctx.put_file(local, "renamed.csv").endswith("/tr1/renamed.csv")


def test_put_file_refuses_unsafe_names(storage, tmp_path):
    ctx, _ = make_ctx(storage=storage)
    (tmp_path / "x").write_text("x")
    with pytest.raises(StorageError, match="file name"):
        ctx.put_file(tmp_path / "x", "../escape")


def test_open_file_and_download_only_reach_the_execution(storage, tmp_path):
    ctx, _ = make_ctx(storage=storage)
    with ctx.open_file(INPUT) as stream:
        assert stream.read() == b"hello file\n"
    assert ctx.download(INPUT, tmp_path / "copy").read_bytes() == b"hello file\n"
    with pytest.raises(FileAccessError, match="current execution"):
        ctx.open_file(OTHER)


def test_without_storage_files_fail_clearly(tmp_path):
    ctx, _ = make_ctx()
    with pytest.raises(StorageError, match="no internal storage"):
        ctx.open_file(INPUT)


# ---------------------------------------------------------------- read() and fileSize()
def test_read_and_file_size_in_expressions(storage):
    storage.put(namespace_file_uri("company.team", "q.sql"), b"select 1")
    outcome, _ = run(storage, RET, format=f"{{{{ read('{INPUT}') }}}}|{{{{ read('q.sql') }}}}"
                                          f"|{{{{ fileSize('{INPUT}') }}}}")
    assert outcome.state is State.SUCCESS, outcome.error
    assert outcome.outputs == {"value": "hello file\n|select 1|11"}


@pytest.mark.parametrize("path, message", [
    (OTHER, "belongs neither to the current execution"),
    (task_output_uri("other.ns", "flow", "exec1", "t", "r", "x"), "belongs neither"),
    ("../../other/_files/secret", "'..' path segment"),
    ("kestra:///company/team/flow/executions/exec1/../exec2/inputs/data/in.txt", "'..'"),
])
def test_read_refuses_files_of_others(storage, path, message):
    ctx, _ = make_ctx(storage=storage)
    with pytest.raises(TemplateError, match=message):
        ctx.render(f"{{{{ read('{path}') }}}}")


def test_read_is_capped(storage, monkeypatch):
    import podium.common.storage.access as access
    monkeypatch.setattr(access, "READ_LIMIT_BYTES", 4)
    ctx, _ = make_ctx(storage=storage)
    with pytest.raises(TemplateError, match="over the 4 bytes read"):
        ctx.render(f"{{{{ read('{INPUT}') }}}}")


# ---------------------------------------------------------------- script tasks
def test_input_files_from_storage_and_output_files(storage):
    outcome, logs = run(storage, SH, inputFiles={"in/data.txt": INPUT, "note.txt": "plain"},
                        outputFiles=["*.out", "sub/**"], commands=[
                            "tr a-z A-Z < in/data.txt > result.out", "cat note.txt; echo",
                            "mkdir -p sub/deep && echo d > sub/deep/d.txt", "echo x > skip.txt"])
    assert outcome.state is State.SUCCESS, outcome.error
    files = outcome.outputs["outputFiles"]
    assert sorted(files) == ["result.out", "sub/deep/d.txt"]
    assert storage.read_bytes(files["result.out"]) == b"HELLO FILE\n"
    assert files["result.out"].startswith(task_output_uri("company.team", "flow", "exec1",
                                                          "t1", "tr1", "x")[:-1])
    assert logs.messages("INFO") == ["plain"]


def test_uris_in_commands_become_local_copies(storage):
    outcome, logs = run(storage, SH, commands=[f"cat {INPUT}"])
    assert outcome.state is State.SUCCESS and logs.messages("INFO") == ["hello file"]


def test_a_uri_of_another_execution_fails_the_task(storage):
    outcome, _ = run(storage, SH, inputFiles={"x.txt": OTHER}, commands=["cat x.txt"])
    assert outcome.state is State.FAILED and "current execution" in outcome.error


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/cron.d/x", "a/../../b", "a\\b"])
def test_input_file_names_cannot_traverse(storage, name):
    outcome, _ = run(storage, SH, inputFiles={name: "x"}, commands=["true"])
    assert outcome.state is State.FAILED and f"Invalid inputFiles path '{name}'" in outcome.error


@pytest.mark.parametrize("pattern", ["../*", "/etc/*", "a/../../*"])
def test_output_patterns_cannot_traverse(storage, pattern):
    outcome, _ = run(storage, SH, outputFiles=[pattern], commands=["true"])
    assert outcome.state is State.FAILED and "Invalid outputFiles pattern" in outcome.error


def test_a_link_out_of_the_working_directory_is_refused(storage, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("worker file")
    outcome, _ = run(storage, SH, outputFiles=["*.txt"],
                     commands=[f"ln -s {secret} leak.txt"])
    assert outcome.state is State.FAILED and "outside the working directory" in outcome.error


def test_output_files_are_kept_when_the_script_fails(storage):
    outcome, _ = run(storage, SH, outputFiles=["*.log"], commands=["echo partial > run.log",
                                                                    "exit 2"])
    assert outcome.state is State.FAILED and outcome.outputs["exitCode"] == 2
    assert storage.read_bytes(outcome.outputs["outputFiles"]["run.log"]) == b"partial\n"


def test_output_dir(storage):
    script = "import os\nopen(os.path.join('{{ outputDir }}', 'a.txt'), 'w').write('A')\n" \
             "open(os.environ['OUTPUT_DIR'] + '/b.txt', 'w').write('B')\n"
    outcome, _ = run(storage, PY_SCRIPT, outputDirectory=True, script=script)
    assert outcome.state is State.SUCCESS, outcome.error
    files = outcome.outputs["outputFiles"]
    assert {k: storage.read_bytes(v) for k, v in files.items()} == {"a.txt": b"A", "b.txt": b"B"}


def test_no_output_files_output_unless_asked(storage):
    outcome, _ = run(storage, SH, commands=["echo x > a.txt"])
    assert outcome.outputs == {"exitCode": 0, "vars": {}}


# ---------------------------------------------------------------- WorkingDirectory, LocalFiles
def test_working_directory_output_files_and_child_task_runs(storage):
    ctx, _ = make_ctx(storage=storage)
    ctx.log_sink_for = lambda run_id, task_id: None
    task = make_task(WD, outputFiles=["out/*"], inputFiles={"in.txt": INPUT}, tasks=[
        {"id": "make", "type": SH, "commands": ["mkdir out", "cp in.txt out/copy.txt"],
         "outputFiles": ["in.txt"]},
        {"id": "files", "type": LOCAL_FILES, "inputs": {"out/note.txt": "{{ taskrun.id }}"},
         "outputs": ["out/note.txt"]},
    ])
    outcome = run_attempt(task, ctx)
    assert outcome.state is State.SUCCESS, outcome
    make, files = outcome.children
    assert f"/tasks/make/{make.id}/" in make.outputs["outputFiles"]["in.txt"]
    note = files.outputs["uris"]["out/note.txt"]
    assert f"/tasks/files/{files.id}/" in note
    assert storage.read_bytes(note) == files.id.encode()  # the child's own taskrun.id
    wd_files = outcome.outputs["outputFiles"]
    assert sorted(wd_files) == ["out/copy.txt", "out/note.txt"]
    assert "/tasks/t1/tr1/" in wd_files["out/copy.txt"]
    assert storage.read_bytes(wd_files["out/copy.txt"]) == b"hello file\n"


def test_local_files_without_matches_gives_empty_uris(storage):
    outcome, _ = run(storage, LOCAL_FILES, outputs=["missing.txt"])
    assert outcome.state is State.SUCCESS and outcome.outputs == {"uris": {}}


def test_local_files_inputs_as_a_json_string(storage):
    outcome, _ = run(storage, LOCAL_FILES, inputs='{"a.txt": "A"}', outputs=["*.txt"])
    assert storage.read_bytes(outcome.outputs["uris"]["a.txt"]) == b"A"


# ---------------------------------------------------------------- globs
@pytest.mark.parametrize("pattern, path, matches", [
    ("*.txt", "a.txt", True), ("*.txt", "d/a.txt", False), ("out/*", "out/x", True),
    ("**", "a/b/c", True), ("**/*.csv", "a/b/x.csv", True), ("**/*.csv", "x.csv", True),
    ("{a,b}.txt", "b.txt", True), ("{a,b}.txt", "c.txt", False), ("[!a]?.md", "bc.md", True),
    ("f?.txt", "f/.txt", False), ("a.txt", "a_txt", False),
])
def test_glob(pattern, path, matches):
    assert bool(glob_regex(pattern).fullmatch(path)) is matches


def test_outputs_are_streamed_not_read_whole(storage, monkeypatch):
    """A large output goes through Storage.put as an open file, never as bytes."""
    kinds = []
    original = type(storage).put

    def spy(self, uri, data, **kwargs):
        kinds.append(type(data).__name__)
        return original(self, uri, data, **kwargs)

    monkeypatch.setattr(type(storage), "put", spy)
    outcome, _ = run(storage, SH, outputFiles=["big.bin"],
                     commands=["head -c 3000000 /dev/zero > big.bin"])
    assert outcome.state is State.SUCCESS and kinds == ["BufferedReader"]
    assert storage.size(outcome.outputs["outputFiles"]["big.bin"]) == 3_000_000


# ---------------------------------------------------------------- nsfile:// and file://
@pytest.fixture
def host_dir(tmp_path):
    """A host directory to allow, and a file beside it that must stay out of reach."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "hello.py").write_text("print('hello from the host')\n")
    (tmp_path / "secret.txt").write_text("do not read")
    return shared


def run_with_host(storage, allowed, type_, **props):
    ctx, logs = make_ctx(storage=storage)
    ctx.local_files = LocalFiles.of(allowed)
    return run_attempt(make_task(type_, **props), ctx), logs


def test_input_files_take_nsfile_uris_of_this_and_other_namespaces(storage):
    storage.put(namespace_file_uri("company.team", "scripts/own.txt"), b"own\n")
    storage.put(namespace_file_uri("company", "scripts/parent.txt"), b"parent\n")
    outcome, logs = run(storage, SH, inputFiles={
        "own.txt": "nsfile:///scripts/own.txt", "parent.txt": "nsfile://company/scripts/parent.txt"},
        commands=["cat own.txt parent.txt"])
    assert outcome.state is State.SUCCESS, outcome.error
    assert logs.messages("INFO") == ["own", "parent"]


def test_input_files_take_file_uris_only_inside_allowed_paths(storage, host_dir):
    outcome, logs = run_with_host(storage, [host_dir], SH,
                                  inputFiles={"hello.py": f"file://{host_dir}/hello.py"},
                                  commands=["cat hello.py"])
    assert outcome.state is State.SUCCESS, outcome.error
    assert logs.messages("INFO") == ["print('hello from the host')"]
    refused, _ = run_with_host(storage, [host_dir], SH,
                               inputFiles={"x": f"file://{host_dir}/../secret.txt"},
                               commands=["cat x"])
    assert refused.state is State.FAILED and "outside the allowed paths" in refused.error


def test_file_uris_are_refused_without_allowed_paths(storage, host_dir):
    outcome, _ = run(storage, SH, inputFiles={"hello.py": f"file://{host_dir}/hello.py"},
                     commands=["cat hello.py"])
    assert outcome.state is State.FAILED
    assert "PODIUM_LOCAL_FILES__ALLOWED_PATHS" in outcome.error


def test_read_and_file_size_take_nsfile_and_file_uris(storage, host_dir):
    storage.put(namespace_file_uri("company.team", "q.sql"), b"select 1")
    storage.put(namespace_file_uri("company", "q.sql"), b"select 2")
    outcome, _ = run_with_host(storage, [host_dir], RET, format=(
        "{{ read('nsfile:///q.sql') }}|{{ read('nsfile://company/q.sql') }}|"
        "{{ read('q.sql', namespace='company') }}|{{ read('" f"file://{host_dir}/hello.py" "') }}|"
        "{{ fileSize('nsfile:///q.sql') }}|{{ fileSize('" f"file://{host_dir}/hello.py" "') }}"))
    assert outcome.state is State.SUCCESS, outcome.error
    assert outcome.outputs == {"value": "select 1|select 2|select 2|"
                                        "print('hello from the host')\n|8|29"}


def test_read_refuses_a_namespace_given_twice(storage):
    ctx, _ = make_ctx(storage=storage)
    with pytest.raises(TemplateError, match="both as the function argument and inside the URI"):
        ctx.render("{{ read('nsfile://company/q.sql', namespace='other') }}")


def test_file_uris_reach_the_attempt_s_own_working_directory(storage):
    # Kestra's RunContextLocalPath allows the working directory without configuration
    ctx, _ = make_ctx(storage=storage)
    (ctx.working_dir / "made.txt").write_text("made here")
    assert ctx.render(f"{{{{ read('file://{ctx.working_dir}/made.txt') }}}}") == "made here"
    with pytest.raises(TemplateError, match="PODIUM_LOCAL_FILES__ALLOWED_PATHS"):
        ctx.render(f"{{{{ read('file://{ctx.working_dir}/../../etc/passwd') }}}}")
    ctx.close()
