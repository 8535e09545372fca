"""The bwrap command line of a sandbox policy, and the limits of script processes."""

from __future__ import annotations

import pytest

from podium.common.plugins.tasks._script_base import parse_byte_size
from podium.worker.sandbox import SandboxPolicy, bwrap_argv
from podium.worker.script_limits import MIB, Limits


def _mounts(argv: list[str]) -> list[tuple[str, str]]:
    """(option, path) of the policy's mounts, in order (system folders left out)."""
    found, i = [], 0
    while i < len(argv):
        option = argv[i]
        if option == "--tmpfs":
            found.append((option, argv[i + 1]))
            i += 2
        elif option in ("--bind", "--ro-bind"):
            if not argv[i + 1].startswith(("/usr", "/etc", "/opt", "/sys", "/bin", "/sbin",
                                           "/lib")):
                found.append((option, argv[i + 1]))
            i += 3
        else:
            i += 1
    return found


@pytest.fixture
def tree(tmp_path):
    for name in ("work", "private", "envs/npm-cache", "home/.config/pip", "tool/bin"):
        (tmp_path / name).mkdir(parents=True)
    return tmp_path


def test_isolation_options_and_working_directory(tree):
    argv = bwrap_argv(SandboxPolicy(workdir=str(tree / "work")), "/usr/bin/bwrap")
    assert argv[0] == "/usr/bin/bwrap" and argv[-1] == "--"
    for option in ("--die-with-parent", "--unshare-pid", "--unshare-ipc"):
        assert option in argv
    # No new session: the worker stops the task by signalling the launcher's process group.
    assert "--new-session" not in argv
    assert argv[argv.index("--cap-drop") + 1] == "ALL"  # root inside cannot remount
    assert argv[argv.index("--proc") + 1] == "/proc"  # its own /proc: its own processes
    assert "--unshare-net" not in argv and "--unshare-all" not in argv  # network kept
    assert argv[-3:] == ["--chdir", str(tree / "work"), "--"]
    assert ("--bind", str(tree / "work")) in _mounts(argv)


def test_private_tmp_and_home_come_before_what_is_mounted_inside(tree):
    policy = SandboxPolicy(
        workdir=str(tree / "work"), writable=(str(tree / "private"), str(tree / "envs/npm-cache")),
        read_only=(str(tree / "envs"), str(tree / "home/.config/pip")), home=str(tree / "home"))
    mounts = _mounts(bwrap_argv(policy))
    assert mounts.index(("--tmpfs", "/tmp")) == 0
    assert mounts.index(("--tmpfs", str(tree / "home"))) < \
        mounts.index(("--ro-bind", str(tree / "home/.config/pip")))
    # The writable cache inside the read-only environments folder comes after it.
    assert mounts.index(("--ro-bind", str(tree / "envs"))) < \
        mounts.index(("--bind", str(tree / "envs/npm-cache")))
    assert ("--bind", str(tree / "private")) in mounts


def test_missing_paths_and_system_subfolders_are_not_mounted(tree):
    policy = SandboxPolicy(workdir=str(tree / "work"),
                           read_only=(str(tree / "absent"), "/usr/bin", str(tree / "tool/bin")))
    mounts = _mounts(bwrap_argv(policy))
    paths = [path for _, path in mounts]
    assert str(tree / "absent") not in paths
    assert "/usr/bin" not in paths  # /usr is mounted whole already
    assert ("--ro-bind", str(tree / "tool/bin")) in mounts


def test_read_only_paths_inside_writable_ones_stay_writable(tree):
    (tree / "private/venv/bin").mkdir(parents=True)
    policy = SandboxPolicy(workdir=str(tree / "work"), writable=(str(tree / "private"),),
                           read_only=(str(tree / "private/venv/bin"), str(tree / "private/venv")))
    assert ("--bind", str(tree / "private")) in _mounts(bwrap_argv(policy))
    assert not [path for _, path in _mounts(bwrap_argv(policy)) if "venv" in path]


def test_nothing_else_of_the_host_is_mounted(tree):
    mounts = _mounts(bwrap_argv(SandboxPolicy(workdir=str(tree / "work"))))
    assert mounts == [("--tmpfs", "/tmp"), ("--bind", str(tree / "work"))]


# ---------------------------------------------------------------- limits
def test_limits_prefix_applies_each_limit():
    prefix = Limits(2, 64 * MIB, MIB).prefix()
    assert prefix[0].endswith("prlimit") and prefix[-1] == "--"
    assert prefix[1:-1] == ["--cpu=2:3", f"--as={64 * MIB}", f"--fsize={MIB}"]
    assert Limits().prefix() == []


def test_task_limits_override_the_worker_defaults_one_by_one():
    assert Limits(cpu_seconds=5).over(Limits(1, 2, 3)) == Limits(5, 2, 3)


@pytest.mark.parametrize("limits, exit_code, message", [
    (Limits(cpu_seconds=2), 152, "killed: CPU time limit 2 s exceeded"),
    (Limits(file_size_bytes=MIB), 153, "killed: file size limit 1 MiB exceeded"),
    (Limits(memory_bytes=64 * MIB), 1,
     "the task's memory limit (64 MiB per process) may have been exceeded"),
    (Limits(cpu_seconds=2), 1, None),
    (Limits(), 152, None),
], ids=["cpu", "file_size", "memory", "other_failure", "no_limit"])
def test_limit_explains_the_failure(limits, exit_code, message):
    assert limits.explain(exit_code) == message


@pytest.mark.parametrize("text, size", [
    ("4096", 4096), ("1k", 1024), ("256MiB", 256 * MIB), ("256MB", 256 * MIB),
    (" 2 GiB ", 2 << 30)])
def test_byte_sizes(text, size):
    assert parse_byte_size(text) == size


@pytest.mark.parametrize("text", ["", "lots", "0", "-1MiB", "1.5GiB", "1TB"])
def test_invalid_byte_sizes(text):
    with pytest.raises(ValueError, match="is not a size"):
        parse_byte_size(text)
