"""The launcher: a script task's process tree dies with its worker, however the worker ends.

Run by worker/runnables/process.py as the direct child of the worker, in a session of its
own: ``python -I -S launcher.py CONTROL_FD COMMAND...``. Its start-up is its whole cost,
paid once per script task: no site import, and the C modules under `signal` and `ctypes`
(whose Python layers, with enum and struct, would double the ~10 ms of a bare start).

- It is a child subreaper (PR_SET_CHILD_SUBREAPER): a descendant orphaned by its parent,
  even one that started its own session (setsid, a daemon's double fork), is re-parented
  to it, so every descendant stays below it, in its process group or not.
- CONTROL_FD is its end of a socket pair whose other end only the worker holds. End of
  file there means the worker is done with the attempt or died: the kernel closes a dead
  process's descriptors, SIGKILL included, and a worker that died before the launcher
  started leaves the end of file already waiting. (PR_SET_PDEATHSIG would fire when the
  worker's *thread* that spawned it exits, and needs a getppid() check for its race: the
  socket needs neither.) Then it SIGKILLs every descendant, reaps them and exits.
- It reports on CONTROL_FD ``started``, or ``error <errno>`` when the command cannot
  start, then ``exit <wait status>`` when the command exits (the worker then drains the
  output that background children may still write).
- The signals a shell's ``kill 0`` or the worker's SIGTERM to the group send are caught
  (the command gets them, the launcher stays to clean up); caught signals are reset by
  exec, so the command sees the default dispositions.
"""

import os
import select
import sys

try:
    import _signal as signal
except ImportError:  # another Python implementation
    import signal  # type: ignore[no-redef]

PR_SET_CHILD_SUBREAPER = 36
# Catchable signals whose default would end the launcher before it cleans up.
SURVIVED = ("SIGHUP", "SIGINT", "SIGQUIT", "SIGTERM", "SIGUSR1", "SIGUSR2", "SIGALRM")
# Python ignores SIGPIPE (and SIGXFSZ); an ignored signal stays ignored across exec.
RESET = ("SIGPIPE", "SIGXFSZ")
SWEEP_PAUSE = 0.005


def _prctl():
    """libc's prctl through _ctypes; ctypes itself if that private layer changed."""
    try:
        import _ctypes

        class Int(_ctypes._SimpleCData):
            _type_ = "i"

        class Function(_ctypes.CFuncPtr):
            _flags_ = _ctypes.FUNCFLAG_CDECL
            _restype_ = Int

        class Libc:
            _handle = _ctypes.dlopen(None)

        return Function(("prctl", Libc))
    except Exception:  # noqa: BLE001
        import ctypes
        return ctypes.CDLL(None).prctl


def _become_subreaper() -> None:
    try:
        _prctl()(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (ImportError, OSError, AttributeError):  # not Linux: descendants not orphaned only
        pass


def _environment() -> dict:
    """The environment the worker gave, not os.environ: Python's start-up may add to it
    (LC_CTYPE, PEP 538) and the command must see exactly what the worker chose."""
    try:
        with open("/proc/self/environ", "rb") as file:
            entries = file.read().split(b"\0")
    except OSError:
        return dict(os.environb)
    return dict(entry.split(b"=", 1) for entry in entries if b"=" in entry)


def _descendants(root: int) -> list:
    children: dict = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as file:
                stat = file.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(name))
    found, todo = [], [root]
    while todo:
        for pid in children.get(todo.pop(), ()):
            found.append(pid)
            todo.append(pid)
    return found


def _sweep() -> None:
    """SIGKILL and reap every descendant; with none left (the usual case) nothing to scan."""
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0]:
                continue
        except ChildProcessError:
            return
        for pid in _descendants(os.getpid()):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        select.select([], [], [], SWEEP_PAUSE)


def _report(control: int, text: str) -> None:
    try:
        os.write(control, text.encode())
    except OSError:  # the worker is gone: the end of file follows
        pass


def _reap(command: int, control: int) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if not pid:
            return
        if pid == command:
            _report(control, f"exit {status}")


def _watch(command: int, control: int, wakeup: int) -> None:
    """Until the worker closes its end or dies: reap children, report the command's end."""
    while True:
        readable = select.select([control, wakeup], [], [])[0]
        if wakeup in readable:
            os.read(wakeup, 512)
            _reap(command, control)
        if control in readable and not os.read(control, 512):
            return


def main() -> None:
    control = int(sys.argv[1])
    os.set_inheritable(control, False)
    _become_subreaper()
    wakeup, wakeup_w = os.pipe()
    os.set_blocking(wakeup_w, False)
    signal.set_wakeup_fd(wakeup_w)
    for name in ("SIGCHLD", *SURVIVED):
        signal.signal(getattr(signal, name), lambda *_: None)
    argv = sys.argv[2:]
    try:
        command = os.posix_spawnp(argv[0], argv, _environment(), setsigdef=[
            getattr(signal, name) for name in RESET if hasattr(signal, name)])
        _report(control, "started")
    except OSError as exc:
        _report(control, f"error {exc.errno or 0}")
        command = 0
    # The output pipes belong to the command: their end of file tells the worker it is done.
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)
    os.dup2(null, 2)
    _watch(command, control, wakeup)
    _sweep()
    os._exit(0)  # no interpreter finalization: the worker waits for this exit


if __name__ == "__main__":
    main()
