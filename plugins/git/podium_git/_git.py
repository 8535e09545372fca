"""The `git` command line, run with a scrubbed environment and credentials kept out of
every URL, config file, argument list and log line.

Why the CLI rather than a Python library: `git` is on every machine (worker images
included), speaks every transport (file, HTTPS, SSH) with its own TLS and proxy support,
and its behaviour is the one users know; dulwich would add a dependency and its own
subset of protocol features. The price is a subprocess per operation.

How secrets stay secret:
- credentials are never part of a URL: `https://user:token@host/repo` is split, the
  credentials handed to git by a credential helper that reads them from the child's
  environment (`-c credential.helper=...`, nothing written to `.git/config`, so a later
  script in the same WorkingDirectory cannot read them back);
- the environment is built from scratch (PATH, a throwaway HOME, no global or system git
  config, no terminal prompt), so the worker's own variables and credentials never reach
  git, and git never asks a terminal;
- a private key is written 0600 into a private temporary folder and removed after use;
- every line git prints is masked (the password, the passphrase) before it is logged or
  raised.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from podium.sdk import TaskFailure

# Reads the credentials from the environment of the git process only.
_HELPER = ('!f() { test "$1" = get || exit 0; '
           'test -n "$PODIUM_GIT_USERNAME" && echo "username=$PODIUM_GIT_USERNAME"; '
           'echo "password=$PODIUM_GIT_PASSWORD"; }; f')
_ASKPASS = "#!/bin/sh\nprintf '%s\\n' \"$PODIUM_GIT_PASSPHRASE\"\n"
_SSH_URL = re.compile(r"git@(?:ssh\.)?([^:]+):(?:v\d*/)?(.*)")
_PASSED_ENV = ("PATH", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR")
_PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy",
              "no_proxy", "ALL_PROXY", "all_proxy")
MASK = "******"


@dataclass
class Credentials:
    """What authenticates to the remote: HTTP basic (username + password or token) or an
    SSH key (with its passphrase)."""

    username: str | None = None
    password: str | None = None
    private_key: str | None = None
    passphrase: str | None = None

    def secrets(self) -> list[str]:
        return [s for s in (self.password, self.passphrase, self.private_key) if s]


def split_url(url: str, credentials: Credentials) -> tuple[str, Credentials]:
    """The URL without its user info, and the credentials (those given win over those of
    the URL). `git@host:path` SSH URLs keep their user: it is not a secret."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or "@" not in parts.netloc:
        return url, credentials
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    merged = Credentials(credentials.username or unquote(user) or None,
                         credentials.password or (unquote(password) if password else None),
                         credentials.private_key, credentials.passphrase)
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment)), merged


def http_url(url: str) -> str:
    """A browsable URL of the repository (Kestra's GitService.getHttpUrl): SSH URLs become
    https://host/path, user info is dropped."""
    ssh = _SSH_URL.fullmatch(url)
    if ssh:
        path = f"{ssh.group(1)}/{ssh.group(2)}"
        if "azure.com" in path:
            head, _, repo = path.rpartition("/")
            path = f"{head}/_git/{repo}"
        return "https://" + path
    return re.sub(r"//[^/]*@", "//", url, count=1) if "@" in url else url


def commit_url(url: str, branch: str, commit_id: str) -> str:
    """Where a browser shows the commit (Kestra's buildCommitUrl)."""
    base = re.sub(r"\.git$", "", http_url(url))
    link = f"{base}/{'commits' if 'bitbucket.org' in base else 'commit'}/{commit_id}"
    return link + (f"?refName=refs%2Fheads%2F{branch}" if "azure.com" in base else "")


@dataclass
class Git:
    """Runs git for one task attempt. `close()` removes the private folder (HOME, key)."""

    credentials: Credentials = field(default_factory=Credentials)
    log: Callable[[str, str], None] = lambda level, text: None
    mask: Callable[[str], str] = lambda text: text
    config: dict[str, str] = field(default_factory=dict)  # `-c key=value` of every call
    no_proxy: bool = False
    check_killed: Callable[[], None] = lambda: None  # raises to stop git

    def __post_init__(self) -> None:
        self._private = Path(tempfile.mkdtemp(prefix="podium-git-"))
        self._env = self._environment()

    def close(self) -> None:
        shutil.rmtree(self._private, ignore_errors=True)

    def _environment(self) -> dict[str, str]:
        env = {k: os.environ[k] for k in _PASSED_ENV if k in os.environ}
        if not self.no_proxy:
            env.update({k: os.environ[k] for k in _PROXY_ENV if k in os.environ})
        home = self._private / "home"
        home.mkdir()
        env.update(HOME=str(home), GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
                   GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="/bin/false", LC_ALL="C")
        creds = self.credentials
        if creds.password is not None or creds.username is not None:
            env["PODIUM_GIT_USERNAME"] = creds.username or ""
            env["PODIUM_GIT_PASSWORD"] = creds.password or ""
        env["GIT_SSH_COMMAND"] = self._ssh_command(env)
        return env

    def _ssh_command(self, env: dict[str, str]) -> str:
        known_hosts = self._private / "known_hosts"
        command = (f"ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new "
                   f"-o UserKnownHostsFile={known_hosts}")
        key = self.credentials.private_key
        if not key:
            return command
        key_file = self._private / "id_key"
        key_file.write_text(key.strip() + "\n", encoding="utf-8")
        key_file.chmod(0o600)
        command += f" -i {key_file} -o IdentitiesOnly=yes"
        if self.credentials.passphrase:  # ssh reads it from SSH_ASKPASS, never a terminal
            askpass = self._private / "askpass"
            askpass.write_text(_ASKPASS, encoding="utf-8")
            askpass.chmod(0o700)
            env.update(SSH_ASKPASS=str(askpass), SSH_ASKPASS_REQUIRE="force",
                       PODIUM_GIT_PASSPHRASE=self.credentials.passphrase, DISPLAY="none")
            command = command.replace("BatchMode=yes", "BatchMode=no")
        return command

    def hide(self, text: str) -> str:
        for secret in self.credentials.secrets():
            text = text.replace(secret, MASK)
        return self.mask(text)

    def _arguments(self, args: Sequence[str]) -> list[str]:
        # An empty credential.helper first: no helper configured elsewhere is asked.
        prefix = ["git", "-c", "credential.helper=", "-c", "core.quotePath=false"]
        if "PODIUM_GIT_PASSWORD" in self._env:
            prefix += ["-c", f"credential.helper={_HELPER}"]
        config = {**self.config, **({"http.proxy": ""} if self.no_proxy else {})}
        for key, value in config.items():
            prefix += ["-c", f"{key}={value}"]
        return prefix + list(args)

    def run(self, *args: str, cwd: Path | None = None, check: bool = True) -> str:
        """git ARGS in `cwd`; its stdout. A failure is a TaskFailure with git's message,
        masked. `check_killed` is called while git runs: when it raises (the execution
        was killed, the task timed out) git and its helpers are killed."""
        try:
            process = subprocess.Popen(self._arguments(args), cwd=cwd, env=self._env,
                                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True,
                                       start_new_session=True)
        except FileNotFoundError:
            raise TaskFailure("the `git` command is not installed on this worker") from None
        stdout, stderr = self._wait(process)
        for line in stderr.splitlines():
            if line.strip():
                self.log("DEBUG", self.hide(line))
        if check and process.returncode != 0:
            message = self.hide(stderr.strip() or stdout.strip())
            raise TaskFailure(f"git {args[0]} failed: {message}")
        return stdout

    def _wait(self, process: subprocess.Popen[str]) -> tuple[str, str]:
        while True:
            try:
                return process.communicate(timeout=0.2)
            except subprocess.TimeoutExpired:
                try:
                    self.check_killed()
                except BaseException:
                    os.killpg(process.pid, signal.SIGKILL)  # git, ssh, remote helpers
                    process.communicate()
                    raise
