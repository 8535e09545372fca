"""The one error tree of Podium. Every error a user can cause derives from PodiumError.

Errors carry enough context to be shown as-is: no caller should need to print a
traceback to explain what went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class PodiumError(Exception):
    """Root of every error Podium raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document: what, and where.

    `path` is a field path such as ``tasks[2].then[0].message`` (empty for the whole
    document); `line` and `column` are 1-based and None when unknown.
    """

    message: str
    path: str = ""
    line: int | None = None
    column: int | None = None

    def location(self) -> str:
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}, column {self.column}")
        if self.path:
            parts.append(f"at {self.path}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, Any]:
        return {"message": self.message, "path": self.path, "line": self.line, "column": self.column}


class FlowValidationError(PodiumError):
    """A flow document is not valid. Holds every problem found, each with its location."""

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        lines = [f"{head}{p}" for p in self.problems] or [f"{head}invalid flow"]
        super().__init__("\n".join(lines))


class FlowTestFileError(FlowValidationError):
    """A flow test file (`podium flow test`) is not valid, or names a flow or task that is
    not there. Holds every problem found, each with its location."""


class YamlSyntaxError(FlowValidationError):
    """The document is not acceptable YAML (syntax, tags, aliases, size, encoding)."""


class TemplateError(PodiumError):
    """An expression could not be rendered. The message never exposes Python internals."""


class UndefinedVariableError(TemplateError):
    """An expression used a variable or attribute that does not exist (strict mode)."""


class InputError(PodiumError):
    """An execution input is missing or does not match its declaration."""

    def __init__(self, input_id: str, message: str) -> None:
        self.input_id = input_id
        super().__init__(f"Invalid input `{input_id}`: {message}")


class LabelError(PodiumError):
    """Labels given for an execution break a limit (common/labels.py)."""


class ExecutionBlockedError(PodiumError):
    """A flow's `checks` refused to create the execution (BLOCK_EXECUTION). `failed`: the
    failed checks' (message, style), in the flow's order."""

    def __init__(self, failed: list[tuple[str, str]]) -> None:
        self.failed = failed
        super().__init__("Flow execution blocked: one or more condition checks evaluated to "
                         "false.\nFailed checks: " + ", ".join(m for m, _ in failed))


class OutputError(PodiumError):
    """A flow output could not be produced or coerced to its declared type."""

    def __init__(self, output_id: str, message: str) -> None:
        self.output_id = output_id
        super().__init__(f"Invalid output `{output_id}`: {message}")


class TaskFailure(PodiumError):
    """A task failed for a reason its message explains; `outputs` are kept (a script's
    exitCode and vars, as Kestra's RunnableTaskException keeps them). Plugins raise it."""

    def __init__(self, message: str, outputs: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.outputs = outputs


class StorageError(PodiumError):
    """The internal storage failed or refused an operation (backend down, access denied...)."""


class StorageUnavailableError(StorageError):
    """The internal storage could not be reached (connection refused or reset, timeout,
    server errors) after the backend's own retries: the same call may succeed later."""


class StorageNotFoundError(StorageError):
    """No object at this internal storage URI."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        super().__init__(f"File not found in internal storage: {uri}")


class UnsafePathError(StorageError):
    """A storage URI or a name used to build one is refused: traversal, absolute path,
    forbidden character, wrong scheme, or outside the namespace it is used for."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"Unsafe storage path {name!r}: {reason}")


class FileAccessError(StorageError):
    """A task or an expression asked for a stored file its execution may not read: one of
    another execution (not its parent) or of another namespace."""

    def __init__(self, uri: str, reason: str) -> None:
        self.uri = uri
        super().__init__(f"Unable to read the file '{uri}': {reason}")


class FileTooLargeError(StorageError):
    """A file is over the size a caller reads into memory (`read()` in expressions)."""

    def __init__(self, uri: str, size: int, limit: int) -> None:
        self.uri, self.size, self.limit = uri, size, limit
        super().__init__(f"Unable to read the file '{uri}': {size} bytes is over the "
                         f"{limit} bytes read() accepts; give the file to a task instead "
                         f"(e.g. a script's inputFiles)")


class KVError(PodiumError):
    """The namespace KV store refused an operation: an invalid key, a value that does not
    parse as its declared type, a negative TTL, an existing key with `overwrite: false`, or
    a namespace that cannot be reached."""


class SecretError(PodiumError):
    """A secret or an encrypted value is unusable: no encryption key configured, a key that
    is not a Fernet key, or a value encrypted with another key."""


class ScriptEnvironmentError(PodiumError):
    """A script task's environment could not be prepared: no installed Python matching
    `pythonVersion`, no `node` for a Node task, or dependencies that did not install."""


class SandboxError(PodiumError):
    """A script task cannot run as the worker's `worker.sandbox` setting demands: bubblewrap
    is required but missing or not working on this machine."""


class HttpRequestError(PodiumError):
    """An HTTP task's request could not be made or was answered with a failing status."""


class HostNotAllowedError(HttpRequestError):
    """The HTTP guard refused a destination (`http.*` settings): a scheme other than
    http/https, a host in `deny_hosts` or outside `allow_hosts`, or an address that is
    loopback, private, link-local... while `allow_private` is off. Never retried by
    resolving again: the refusal names the host, the address and why."""

    def __init__(self, host: str, reason: str) -> None:
        self.host = host
        self.reason = reason
        super().__init__(f"HTTP request to '{host}' refused: {reason}")


class NotFoundError(PodiumError):
    """What an operation names (an execution, a flow, a trigger, a task run) does not
    exist. The API answers 404."""


class ConflictError(PodiumError):
    """The operation does not apply to the thing in its current state (killing an
    execution that already ended). The API answers 409."""


class InvalidRequestError(PodiumError):
    """The request is understood but asks for something invalid (a flow id that already
    exists, a file outside the execution). `details`: one `{"message", "path"}` per
    problem. The API answers 422."""

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.details: list[dict[str, Any]] = details or []


class ServiceSetupError(PodiumError):
    """A command cannot start or reach what it needs (a port already taken, a database
    not migrated or not reachable, no runtime serving a data folder). The CLI prints the
    message as one line and exits non-zero."""
