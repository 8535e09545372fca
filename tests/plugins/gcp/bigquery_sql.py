"""BigQuery's SQL dialect rewritten into DuckDB's, for the local BigQuery server of the tests.

Only what portable SQL needs: `project.dataset.table` names in backticks become DuckDB
`"dataset"."table"` (a dataset is a DuckDB schema; the project is dropped), double-quoted
strings become single-quoted literals, column `OPTIONS (...)` and `PARTITION BY` / `CLUSTER
BY` clauses are dropped, and a few type names are mapped. What is not portable (GEOGRAPHY,
STRUCT literals...) fails in DuckDB and the server reports it as a BigQuery error.
"""

from __future__ import annotations

import re

_TYPES = {"INT64": "BIGINT", "FLOAT64": "DOUBLE", "BYTES": "BLOB", "BIGNUMERIC": "DECIMAL(38,9)",
          "NUMERIC": "DECIMAL(38,9)", "BOOL": "BOOLEAN", "DATETIME": "TIMESTAMP",
          "TIMESTAMP": "TIMESTAMPTZ", "JSON": "JSON", "STRING": "VARCHAR"}
_TYPE_RE = re.compile(r"\b(" + "|".join(_TYPES) + r")\b(?!\s*\()", re.IGNORECASE)
# BigQuery's TIMESTAMP(x) / DATETIME(x) functions: macros of the server's DuckDB (MACROS).
_FUNCTIONS = re.compile(r"\b(TIMESTAMP|DATETIME|MD5)\s*\(", re.IGNORECASE)
MACROS = ("SET TimeZone = 'UTC'",
          "CREATE MACRO bq_timestamp(x) AS CAST(x AS TIMESTAMPTZ)",
          "CREATE MACRO bq_datetime(x) AS CAST(x AS TIMESTAMP)",
          "CREATE MACRO bq_md5(x) AS unhex(md5(x))")  # BigQuery's MD5 gives BYTES
_CAST_RE = re.compile(r"(\bAS\s+)(" + "|".join(_TYPES) + r")\s*\)", re.IGNORECASE)
_TYPE_CONTEXT = re.compile(r"^\s*(CREATE|ALTER)\b", re.IGNORECASE)


def table_name(reference: str, default_dataset: str | None = None) -> tuple[str, str]:
    """(dataset, table) of `project.dataset.table`, `dataset.table` or a bare `table`."""
    parts = reference.split(".")
    if len(parts) >= 2:
        return parts[-2], parts[-1]
    return default_dataset or "main", parts[0]


def quoted(dataset: str, table: str) -> str:
    return f'"{dataset}"."{table}"'


def to_duckdb(sql: str, default_dataset: str | None = None) -> str:
    """`sql` in DuckDB's dialect (see the module docstring)."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            end = _closing(sql, i, ch)
            body = sql[i + 1:end].replace("\\" + ch, ch)
            out.append("'" + body.replace("'", "''") + "'")
            i = end + 1
        elif ch == "`":
            end = sql.index("`", i + 1)
            out.append(_identifier(sql[i + 1:end], sql, end, default_dataset))
            i = end + 1
        elif sql.startswith("--", i) or sql.startswith("#", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end
        else:
            out.append(ch)
            i += 1
    text = _drop_options(_drop_partitioning("".join(out)))
    text = _FUNCTIONS.sub(lambda m: "bq_" + m.group(1).lower() + "(", text)
    if _TYPE_CONTEXT.match(text):
        text = _TYPE_RE.sub(lambda m: _TYPES[m.group(1).upper()], text)
    else:  # only the target types of CAST(x AS type): a column may be named `string`
        text = _CAST_RE.sub(lambda m: m.group(1) + _TYPES[m.group(2).upper()] + ")", text)
    return text


def _closing(sql: str, start: int, quote: str) -> int:
    i = start + 1
    while i < len(sql):
        if sql[i] == "\\":
            i += 2
            continue
        if sql[i] == quote:
            return i
        i += 1
    raise ValueError(f"Syntax error: unclosed string literal at [{start}]")


def _identifier(name: str, sql: str, end: int, default_dataset: str | None) -> str:
    if "." in name:
        return quoted(*table_name(name))
    # A bare backticked name after FROM/INTO/TABLE/JOIN/USING is a table of the default dataset.
    before = sql[:end - len(name) - 1].rstrip().upper()
    if default_dataset and before.endswith(("FROM", "INTO", "TABLE", "JOIN", "USING", "EXISTS")):
        return quoted(default_dataset, name)
    return f'"{name}"'


def external_options(sql: str) -> dict[str, str | list[str]]:
    """The OPTIONS (...) of a CREATE EXTERNAL TABLE statement (the last OPTIONS clause):
    `format`, `uris`, `skip_leading_rows`..., as text or a list of text."""
    at = sql.upper().rfind("OPTIONS")
    body = sql[sql.index("(", at) + 1:sql.rindex(")")]
    options: dict[str, str | list[str]] = {}
    for match in re.finditer(r"(\w+)\s*=\s*(\[[^\]]*\]|'[^']*'|\"[^\"]*\"|[^,\s)]+)", body):
        value = match.group(2)
        if value.startswith("["):
            options[match.group(1).lower()] = re.findall(r"['\"]([^'\"]*)['\"]", value)
        else:
            options[match.group(1).lower()] = value.strip("'\"")
    return options


def _drop_options(sql: str) -> str:
    result, i = [], 0
    pattern = re.compile(r"\bOPTIONS\s*\(", re.IGNORECASE)
    while True:
        match = pattern.search(sql, i)
        if not match:
            result.append(sql[i:])
            return "".join(result)
        result.append(sql[i:match.start()])
        depth, j = 1, match.end()
        while j < len(sql) and depth:
            if sql[j] == "'":
                j = sql.index("'", j + 1)
            depth += {"(": 1, ")": -1}.get(sql[j], 0)
            j += 1
        i = j


_PARTITION = re.compile(r"\b(PARTITION|CLUSTER)\s+BY\b[^;]*?(?=(\bAS\b\s*SELECT|\bOPTIONS\b|;|$))",
                        re.IGNORECASE | re.DOTALL)


def _drop_partitioning(sql: str) -> str:
    if not _TYPE_CONTEXT.match(sql):
        return sql
    return _PARTITION.sub("", sql)


def statement_type(sql: str) -> str:
    """BigQuery's `statementType` of a statement: SELECT, INSERT, MERGE, CREATE_TABLE..."""
    words = re.sub(r"\s+", " ", re.sub(r"--[^\n]*", "", sql)).strip().upper().split(" ")
    first = words[0] if words else ""
    if first in ("SELECT", "WITH", "("):
        return "SELECT"
    if first in ("INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE"):
        return first
    if first == "CREATE":
        rest = [w for w in words[1:4] if w not in ("OR", "REPLACE", "TEMP", "TEMPORARY")]
        if rest[:1] == ["EXTERNAL"]:
            return "CREATE_EXTERNAL_TABLE"
        if rest[:1] == ["TABLE"]:
            return "CREATE_TABLE_AS_SELECT" if " AS SELECT" in " ".join(words) or \
                " AS (" in " ".join(words) else "CREATE_TABLE"
        return "CREATE_" + (rest[0] if rest else "TABLE")
    if first in ("DROP", "ALTER"):
        return f"{first}_{words[1] if len(words) > 1 else 'TABLE'}"
    return "SCRIPT"
