"""DuckDB through its Python package: the adapter and what every
`io.kestra.plugin.jdbc.duckdb` type has (Kestra's DuckDbQueryInterface).

The database: `url` `jdbc:duckdb:` (the default) is a new database file in the attempt's
working directory (so `outputDbFile` can upload it), `jdbc:duckdb:/abs/path.duckdb` that
file (a relative path is taken in the working directory), `databaseUri` a database file of
the internal storage, downloaded first. `inputFiles` (a map of file name to contents or
kestra:// URI, or an expression giving one) are written into the working directory, which is
DuckDB's `file_search_path` and `{{ workingDir }}` in the SQL, so `read_csv_auto('data.csv')`
finds them. `outputFiles` (the shared base) are `{{ outputFiles.<name> }}` paths uploaded
after the run. Community extensions (`communityExtensions`, default `[ion]`) are loaded when
they are installed locally; one listed explicitly is also installed from the community
repository (this needs the network); a failure only logs a warning, as in Kestra.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any, ClassVar

from pydantic import PrivateAttr

from podium.sdk import Expr, RunContext, TaskFailure
from podium_jdbc.adapter import Adapter, Target
from podium_jdbc.base import JdbcConnection
from podium_jdbc.url import JdbcUrlError, parse_jdbc_url

DEFAULT_EXTENSIONS = ("ion",)
_EXTENSION_NAME = re.compile(r"[A-Za-z0-9_]+")
_FILENAME = re.compile(r"filename\s*=\s*(true|1)", re.IGNORECASE)

# duckdb is imported by the functions that run SQL, not here: the executor and the scheduler
# load this module for the task classes alone, and duckdb costs them ~40 MB.


class DuckDbAdapter(Adapter):
    scheme: ClassVar[str] = "jdbc:duckdb"
    placeholder: ClassVar[str] = "?"
    embedded: ClassVar[bool] = True

    @property
    def errors(self) -> tuple[type[BaseException], ...]:
        import duckdb

        return (duckdb.Error,)

    def connect(self, target: Target, ctx: RunContext) -> Any:
        import duckdb

        options = target.options
        folder = options.get("working_dir")
        connection = _Connection(duckdb.connect(options.get("database") or ":memory:"), folder)
        if folder:
            escaped = str(folder).replace("'", "''")
            connection.execute(f"SET file_search_path='{escaped}'")
        for name in options.get("extensions", ()):
            _load_extension(connection, ctx, name, options.get("install", False))
        return connection

    def set_autocommit(self, connection: Any, enabled: bool) -> None:
        if not enabled:  # DuckDB commits each statement unless a transaction is open
            connection.execute("BEGIN TRANSACTION")

    def cancel(self, connection: Any) -> None:
        connection.interrupt()


class _Connection:
    """DuckDB's connection as the shared base uses a DB-API one, with two differences
    smoothed: `cursor()` is the connection itself (a DuckDB cursor is another connection,
    without the session's `SET file_search_path`), and a statement that changes rows or
    the schema (CREATE, INSERT, COPY...) has no result set, as through Kestra's JDBC
    driver, where DuckDB's Python API gives a `Count` row."""

    def __init__(self, connection: Any, folder: str | None = None) -> None:
        self._connection = connection
        self._folder = folder
        self.description: Any = None

    def cursor(self) -> _Connection:
        return self

    def execute(self, sql: str, parameters: Any = None) -> _Connection:
        if self._folder and _FILENAME.search(sql):
            # As Kestra: `filename=true` columns name the input files relative to the
            # working directory, not by their absolute paths.
            prefix = re.escape(self._folder.rstrip("/") + "/").replace("'", "''")
            sql = (f"SELECT * REPLACE(regexp_replace(filename, '^{prefix}', '') AS filename) "
                   f"FROM ({sql.rstrip().rstrip(';')})")
        self._connection.execute(sql, parameters)
        self.description = self._connection.description if _returns_rows(sql) else None
        return self

    def fetchmany(self, size: int) -> list[Any]:
        return self._connection.fetchmany(size)  # type: ignore[no-any-return]

    def fetchone(self) -> Any:
        return self._connection.fetchone()

    def commit(self) -> None:
        self._connection.commit()

    def rollback(self) -> None:
        self._connection.rollback()

    def close(self) -> None:
        self._connection.close()

    def interrupt(self) -> None:
        self._connection.interrupt()


def _returns_rows(sql: str) -> bool:
    import duckdb

    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error:
        return True
    return bool(statements) and duckdb.ExpectedResultType.CHANGED_ROWS not in \
        statements[-1].expected_result_type


def _load_extension(connection: Any, ctx: RunContext, name: str, install: bool) -> None:
    import duckdb

    if not _EXTENSION_NAME.fullmatch(name):
        ctx.log("WARN", f"Skipping DuckDB community extension '{name}' because the name "
                        "contains unsupported characters.")
        return
    try:
        connection.execute(f"LOAD {name}")
        return
    except duckdb.Error as exc:
        if not install:
            reason = str(exc).splitlines()[0]
            ctx.log("DEBUG", f"DuckDB extension '{name}' is not installed here: {reason}")
            return
    try:
        connection.execute(f"INSTALL {name} FROM community")
        connection.execute(f"LOAD {name}")
    except duckdb.Error as exc:
        ctx.log("WARN", f"Failed to install/load DuckDB community extension '{name}'. "
                        f"Continuing without it. message={exc}")


class DuckDbConnection(JdbcConnection):
    """`url` (jdbc:duckdb:[file]), `databaseUri`, `inputFiles`, `outputDbFile` and
    `communityExtensions`."""

    ADAPTER: ClassVar[Adapter] = DuckDbAdapter()

    url: str = "jdbc:duckdb:"
    input_files: dict[str, str] | Expr | None = None
    database_uri: str | None = None
    output_db_file: bool = False
    community_extensions: list[str] | Expr | None = None
    _database: Path | None = PrivateAttr(None)
    _folder: Path | None = PrivateAttr(None)
    _driver_path: str | None = PrivateAttr(None)  # a MotherDuck `md:` path, as given

    def connection_options(self, ctx: RunContext) -> dict[str, Any]:
        extensions = list(DEFAULT_EXTENSIONS)
        if self.community_extensions is not None:
            rendered = ctx.render_typed(self.community_extensions) \
                if isinstance(self.community_extensions, str) \
                else [ctx.render(name) for name in self.community_extensions]
            extensions = [str(name) for name in rendered or ()]
        return {"database": str(self._database) if self._database else self._driver_path,
                "working_dir": str(self._folder) if self._folder else None,
                "extensions": extensions, "install": self.community_extensions is not None}

    def render_variables(self, ctx: RunContext) -> dict[str, Any]:
        variables: dict[str, Any] = {"workingDir": str(self._folder)}
        if self._database is not None:
            variables["dbFilePath"] = str(self._database)
        return variables

    def run(self, ctx: RunContext) -> dict[str, Any]:
        self._prepare(ctx)
        outputs = super().run(ctx)  # type: ignore[misc]  # JdbcQuery / JdbcQueries
        outputs.setdefault("outputFiles", {})
        if self.output_db_file and self._database is not None:
            outputs["databaseUri"] = ctx.put_file(self._database, self._database.name)
        return outputs

    def _prepare(self, ctx: RunContext) -> None:
        """Choose the database file and write the input files (see the module)."""
        folder = ctx.working_dir
        self._folder = folder
        try:
            path = parse_jdbc_url(ctx.render(self.url), self.ADAPTER.scheme).path
        except JdbcUrlError as exc:
            raise TaskFailure(str(exc)) from None
        self._write_inputs(ctx, folder)
        if self.database_uri:
            self._database = folder / uuid.uuid4().hex
            ctx.download(ctx.render(self.database_uri), self._database)
        elif path.startswith("md:"):  # MotherDuck: the URL is the driver's
            self._database, self._driver_path = None, path
        elif path and path != ":memory:":
            self._database = Path(path) if Path(path).is_absolute() else folder / path
            self._database.parent.mkdir(parents=True, exist_ok=True)
        else:
            self._database = folder / f"{uuid.uuid4().hex}.db"

    def _write_inputs(self, ctx: RunContext, folder: Path) -> None:
        if self.input_files is None:
            return
        files = ctx.render_typed(self.input_files) if isinstance(self.input_files, str) \
            else self.input_files
        if isinstance(files, str):
            try:
                files = json.loads(files)
            except ValueError:
                files = None
        if not isinstance(files, dict):
            raise TaskFailure("`inputFiles` must be a map of file names to contents or "
                              "kestra:// URIs")
        for name, value in files.items():
            target = (folder / str(name)).resolve()
            if folder.resolve() not in target.parents:
                raise TaskFailure(f"`inputFiles`: '{name}' is outside the working directory")
            target.parent.mkdir(parents=True, exist_ok=True)
            content = ctx.render(value) if isinstance(value, str) else str(value)
            if content.startswith("kestra://"):
                ctx.download(content, target)
            else:
                target.write_text(content, encoding="utf-8")
