"""Running Query and Queries (podium_jdbc.base) and shaping their outputs as Kestra does.

Query: one statement (Kestra refuses more), committed on its own unless `afterSQL` is set,
then both commit together. Queries: the statements of the script one after the other, in
one transaction when `transaction` is true (the default), rolled back on the first error;
its output is `outputs`, one entry per statement that returned a result set.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from podium.sdk import RunContext, TaskFailure
from podium_jdbc.adapter import FetchType
from podium_jdbc.convert import ion_line, output_row, zone_of
from podium_jdbc.sql import bind_named, split_statements

if TYPE_CHECKING:
    from podium_jdbc.base import AbstractJdbcQuery, JdbcQueries, JdbcQuery

_SINGLE = ("Query task support only a single SQL statement. Use the Queries task to run "
           "multiple statements.")


def run_query(task: JdbcQuery, ctx: RunContext) -> dict[str, Any]:
    fetch_type, zone, params = _settings(task, ctx)
    with _output_files(task, ctx) as (variables, files):
        variables = {**task.render_variables(ctx), **variables}
        sql = ctx.render(task.sql, variables)
        if len(_statements(sql)) > 1:
            raise TaskFailure(_SINGLE)
        after = ctx.render(task.after_sql, variables) if task.after_sql else None
        if after is not None and len(_statements(after)) > 1:
            raise TaskFailure("Query task afterSQL supports only a single SQL statement. "
                              "Use the Queries task to run multiple statements.")
        with task.connect(ctx) as connection, task.driver_errors("run the query"):
            task.ADAPTER.set_autocommit(connection, after is None)
            task.before_execute(ctx, connection)
            try:
                cursor = connection.cursor()
                ctx.log("DEBUG", f"Starting query: {sql}")
                outputs = _run_statement(task, ctx, cursor, sql, params, fetch_type, zone) or {}
                if after:
                    ctx.log("DEBUG", f"Executing afterSQL: {after}")
                    _run_statement(task, ctx, cursor, after, params, FetchType.NONE, zone)
                    connection.commit()
            except BaseException:
                if after is not None:
                    with contextlib.suppress(Exception):
                        connection.rollback()
                raise
    _metric(ctx, fetch_type, outputs.get("size") or 0)
    if files:
        outputs["outputFiles"] = files
    return outputs


def run_queries(task: JdbcQueries, ctx: RunContext) -> dict[str, Any]:
    fetch_type, zone, params = _settings(task, ctx)
    results: list[dict[str, Any]] = []
    with _output_files(task, ctx) as (variables, files):
        variables = {**task.render_variables(ctx), **variables}
        statements = _statements(ctx.render(task.sql, variables))
        use_transaction = task.transaction and task.ADAPTER.supports_transactions
        with task.connect(ctx) as connection, task.driver_errors("run the queries"):
            task.ADAPTER.set_autocommit(connection, not use_transaction)
            task.before_execute(ctx, connection)
            try:
                cursor = connection.cursor()
                for index, statement in enumerate(statements, 1):
                    ctx.check_killed()
                    ctx.log("DEBUG", f"Starting query: {statement}")
                    with task.driver_errors(f"run statement {index} of {len(statements)}"):
                        result = _run_statement(task, ctx, cursor, statement, params,
                                                fetch_type, zone)
                    if result is not None:
                        results.append(result)
                if use_transaction:
                    connection.commit()
            except BaseException:
                if use_transaction:
                    with contextlib.suppress(Exception):
                        connection.rollback()
                raise
    _metric(ctx, fetch_type, sum(r.get("size") or 0 for r in results))
    outputs: dict[str, Any] = {"outputs": results}
    if files:
        outputs["outputFiles"] = files
    return outputs


def _settings(task: AbstractJdbcQuery, ctx: RunContext) -> tuple[FetchType, Any, Any]:
    try:
        zone = zone_of(ctx.render(task.time_zone_id) if task.time_zone_id else None)
    except ValueError as exc:
        raise TaskFailure(str(exc)) from None
    return task.effective_fetch_type(), zone, task.rendered_parameters(ctx)


def _statements(sql: str) -> list[str]:
    # DuckDB's `SET file_search_path` is not counted, as Kestra does not count it.
    return [s for s in split_statements(sql) if not s.lower().startswith("set file_search_path")]


def _run_statement(task: AbstractJdbcQuery, ctx: RunContext, cursor: Any, sql: str,
                   params: dict[str, Any] | None, fetch_type: FetchType, zone: Any
                   ) -> dict[str, Any] | None:
    """Execute one statement: its outputs, or None when it returned no result set. STORE
    lets the adapter stream the rows (`fetchSize` at a time) instead of holding them."""
    values: list[Any] | None = None
    if params is not None:  # without `parameters` the SQL goes as written (no placeholders)
        adapter = task.ADAPTER
        sql, values, missing = bind_named(sql, params, adapter.placeholder,
                                          adapter.escape_percent)
        if missing:
            ctx.log("WARN", f"`parameters` has no value for {', '.join(sorted(set(missing)))}:"
                            " bound as null")
    has_result, rows = task.ADAPTER.execute(cursor, sql, values, max(task.fetch_size, 1),
                                            stream=fetch_type is FetchType.STORE)
    return _collect(task, ctx, cursor, rows, fetch_type, zone) if has_result else None


def _rows(task: AbstractJdbcQuery, ctx: RunContext, cursor: Any, raw: Iterator[Any],
          zone: Any) -> Iterator[dict[str, Any]]:
    convert = task.ADAPTER.convert
    names: list[str] = []
    types: list[Any] = []
    for count, row in enumerate(raw):
        if count == 0:  # a streamed result is described once its first row is in
            names = [column[0] for column in cursor.description]
            types = [column[1] for column in cursor.description]
        if count % 1000 == 0:
            ctx.check_killed()
        yield {names[i]: convert(value, types[i], zone) for i, value in enumerate(row)}


def _collect(task: AbstractJdbcQuery, ctx: RunContext, cursor: Any, raw: Iterator[Any],
             fetch_type: FetchType, zone: Any) -> dict[str, Any]:
    """The outputs of a statement's result set, by `fetchType`."""
    if fetch_type is FetchType.NONE:
        return {}
    rows = _rows(task, ctx, cursor, raw, zone)
    if fetch_type is FetchType.FETCH_ONE:
        first = next(rows, None)
        return {"row": output_row(first), "size": 0 if first is None else 1}
    if fetch_type is FetchType.FETCH:
        fetched = [output_row(row) for row in rows]
        return {"rows": fetched, "size": len(fetched)}
    path = ctx.working_dir / f"{uuid.uuid4().hex}.ion"
    size = 0
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(ion_line(row))
            size += 1
    return {"uri": ctx.put_file(path), "size": size}


def _metric(ctx: RunContext, fetch_type: FetchType, size: int) -> None:
    fetched = fetch_type in (FetchType.FETCH, FetchType.FETCH_ONE)
    ctx.metric({"name": "fetch.size", "type": "counter", "value": size,
                "tags": {"fetch": str(fetched).lower(),
                         "store": str(fetch_type is FetchType.STORE).lower()}})


@contextlib.contextmanager
def _output_files(task: AbstractJdbcQuery, ctx: RunContext
                  ) -> Iterator[tuple[dict[str, Any], dict[str, str]]]:
    """Kestra's `outputFiles` of the embedded databases: an empty file per name in the
    working directory, its path as `{{ outputFiles.name }}` in the SQL, and after the run
    its kestra:// URI as the output `outputFiles.name`."""
    if not task.output_files:
        yield {}, {}
        return
    if not task.ADAPTER.embedded:
        raise TaskFailure("`outputFiles` is only supported by the embedded databases (DuckDB, "
                          "SQLite): a database server cannot write to the worker's files")
    names = ctx.render_typed(task.output_files) if isinstance(task.output_files, str) \
        else [ctx.render(name) for name in task.output_files]
    if not isinstance(names, list):
        raise TaskFailure("`outputFiles` must be a list of file names")
    folder = ctx.working_dir
    paths = {str(name): folder / f"{uuid.uuid4().hex}_{name}" for name in names}
    for path in paths.values():
        path.touch()
    uris: dict[str, str] = {}
    yield {"outputFiles": {name: str(path) for name, path in paths.items()}}, uris
    for name, path in paths.items():
        uris[name] = ctx.put_file(path, f"{name}")
