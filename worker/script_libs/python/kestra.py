"""Podium's `kestra` module for script tasks: `from kestra import Kestra` in any Python task.

The same calls as Kestra's `kestra` library on PyPI, written for Podium with the standard
library only. Each call prints one `::{...}::` line that the worker reads back (outputs,
metrics, logs); nothing else is sent anywhere.

    Kestra.outputs({"rows": 42})                 # -> outputs.<task>.vars.rows
    Kestra.counter("rows", 42, {"table": "t"})    # a counter metric
    Kestra.timer("load", 1.5)                     # a timer metric, in seconds
    Kestra.timer("load", lambda: load())          # ...or the time a call takes
    Kestra.gauge("queue", 12)                     # a gauge metric, the last value set
    Kestra.logger().warning("careful")           # a log line at WARN

    from kestra import context                    # with `executionContext: true`
    context.outputs.extract.uri                   # the execution's variables, read-only

A `kestra` package a task installs itself (`dependencies: [kestra]`) comes first on the
import path, so a flow that needs the PyPI library's other parts (`Flow`, `Kestra.read`)
declares it.
"""

import base64
import json
import logging
import os
import sys
import time
from collections.abc import Mapping
from datetime import datetime, timezone

__all__ = ["ExecutionContext", "Kestra", "context", "load_execution_context"]

CONTEXT_FILE = ".kestra-execution-context.json"

_LEVELS = ((logging.ERROR, "ERROR"), (logging.WARNING, "WARN"), (logging.INFO, "INFO"),
           (logging.DEBUG, "DEBUG"))


class Kestra:
    """Outputs, metrics and logs of a script task, as `::{...}::` lines on stdout."""

    _logger = None

    @staticmethod
    def format(map_):
        """The line the worker reads: `::` + the JSON of `map_` + `::`."""
        return "::" + json.dumps(map_) + "::"

    @staticmethod
    def _send(map_):
        # flush: the worker reads lines as they come, and a buffered line would arrive
        # after the script's later output (or never, if the process is killed).
        print(Kestra.format(map_), flush=True)

    @staticmethod
    def _metrics(name, type_, value, tags=None):
        Kestra._send({"metrics": [{"name": name, "type": type_, "value": value,
                                   "tags": tags or {}}]})

    @staticmethod
    def outputs(map_):
        """Merge `map_` (JSON-serialisable) into the task's `vars` output."""
        Kestra._send({"outputs": map_})

    @staticmethod
    def counter(name, value, tags=None):
        """Add `value` to the counter metric `name`."""
        Kestra._metrics(name, "counter", value, tags)

    @staticmethod
    def gauge(name, value, tags=None):
        """Set the gauge metric `name` to `value`."""
        Kestra._metrics(name, "gauge", value, tags)

    @staticmethod
    def timer(name, duration, tags=None):
        """Record a duration in seconds, or call `duration` and record how long it took."""
        if callable(duration):
            start = time.perf_counter()
            duration()
            duration = time.perf_counter() - start
        Kestra._metrics(name, "timer", duration, tags)

    @staticmethod
    def logger():
        """A `logging.Logger` whose records become task logs at their level: DEBUG and
        INFO through stdout, WARNING and above through stderr (as Kestra's library)."""
        if Kestra._logger is None:
            logger = logging.getLogger("Kestra")
            logger.setLevel(logging.DEBUG)
            logger.propagate = False
            out = logging.StreamHandler(sys.stdout)
            out.setLevel(logging.DEBUG)
            out.addFilter(lambda record: record.levelno <= logging.INFO)
            err = logging.StreamHandler(sys.stderr)
            err.setLevel(logging.WARNING)
            for handler in (out, err):
                handler.setFormatter(_LineFormatter())
                logger.addHandler(handler)
            Kestra._logger = logger
        return Kestra._logger

    @staticmethod
    def read(path):
        raise NotImplementedError(
            "Kestra.read needs the PyPI library: add `kestra` to the task's dependencies")


def _level_name(levelno):
    for threshold, name in _LEVELS:
        if levelno >= threshold:
            return name
    return "TRACE"


class _LineFormatter(logging.Formatter):
    """One `::{"logs": [...]}::` line per record, the message prefixed by its UTC time."""

    def format(self, record):
        stamp = datetime.fromtimestamp(record.created, timezone.utc)
        text = stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        message = text + " - " + record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        return Kestra.format({"logs": [{"level": _level_name(record.levelno),
                                        "message": message}]})


# ---------------------------------------------------------------- the execution context
class ExecutionContext(Mapping):
    """A read-only view of the execution's variables: `context.inputs.dataset`,
    `context["items"]` for keys that are not identifiers or shadow a method. Nested
    objects, in lists too, are views as well; `to_dict()` gives the plain data."""

    __slots__ = ("_data",)

    def __init__(self, data):
        object.__setattr__(self, "_data", data)

    def __getattr__(self, name):
        # Private and special names are never keys: copy and pickle look them up.
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return _view(self._data[name])
        except KeyError:
            available = ", ".join(sorted(str(key) for key in self._data)) or "nothing"
            raise AttributeError(f"'{name}' is not available in the execution context "
                                 f"(available: {available})") from None

    def __setattr__(self, name, value):
        raise AttributeError("the execution context is read-only")

    def __getitem__(self, key):
        return _view(self._data[key])

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __eq__(self, other):
        return self._data == (other._data if isinstance(other, ExecutionContext) else other)

    __hash__ = None

    def __repr__(self):
        return repr(self._data)

    def __getstate__(self):
        return self._data

    def __setstate__(self, data):
        object.__setattr__(self, "_data", data)

    def to_dict(self):
        return self._data


def _view(value):
    if isinstance(value, dict):
        return ExecutionContext(value)
    if isinstance(value, list):
        return [_view(item) for item in value]
    return value


def load_execution_context(path=None):
    """The execution context: from `path`, else the file KESTRA_EXECUTION_CONTEXT_FILE
    names, else .kestra-execution-context.json in the current folder, else the
    base64-encoded JSON of KESTRA_CONTEXT. Raises FileNotFoundError when there is none
    (the task lacks `executionContext: true`, or the script runs outside Kestra)."""
    path = path or os.environ.get("KESTRA_EXECUTION_CONTEXT_FILE") or CONTEXT_FILE
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            return ExecutionContext(json.load(handle))
    encoded = os.environ.get("KESTRA_CONTEXT")
    if encoded:
        return ExecutionContext(json.loads(base64.b64decode(encoded)))
    raise FileNotFoundError(
        f"No Kestra execution context found: '{path}' does not exist and KESTRA_CONTEXT is "
        "not set (set `executionContext: true` on the task)")


_context = None


def __getattr__(name):
    # `context` is read on first use, so `import kestra` works where there is none.
    global _context
    if name == "context":
        if _context is None:
            _context = load_execution_context()
        return _context
    raise AttributeError(f"module 'kestra' has no attribute '{name}'")
