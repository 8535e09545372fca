"""Podium's `kestra` module for script tasks: `from kestra import Kestra` in any Python task.

The same calls as Kestra's `kestra` library on PyPI, written for Podium with the standard
library only. Each call prints one `::{...}::` line that the worker reads back (outputs,
metrics, logs); nothing else is sent anywhere.

    Kestra.outputs({"rows": 42})                 # -> outputs.<task>.vars.rows
    Kestra.counter("rows", 42, {"table": "t"})    # a counter metric
    Kestra.timer("load", 1.5)                     # a timer metric, in seconds
    Kestra.timer("load", lambda: load())          # ...or the time a call takes
    Kestra.logger().warning("careful")           # a log line at WARN

A `kestra` package a task installs itself (`dependencies: [kestra]`) comes first on the
import path, so a flow that needs the PyPI library's other parts (`Flow`, `Kestra.read`)
declares it.
"""

import json
import logging
import sys
import time
from datetime import datetime, timezone

__all__ = ["Kestra"]

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
