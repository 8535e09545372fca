"""io.kestra.plugin.serdes.csv.IonToCsv: an ION file to CSV, record by record."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from podium.sdk import Example, RunContext, TaskFailure
from podium.sdk.ion import read_ion

from ._base import BUFFER, Conversion, charset, finish, killed_check, single_char
from ._examples import salaries_example
from ._text import DateFormats, TextFormatter

QuoteMode = Literal["ALWAYS", "REQUIRED", "NON_NUMERIC"]
_NUMERIC = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


class IonToCsv(Conversion, DateFormats):
    """Convert an ION file to the CSV format.

    Structs become rows (their keys the header, from the first record), lists rows without
    a header. Configurable field separator, text delimiter and line delimiter; `quoteMode`
    says when a field is quoted (`REQUIRED`: only when it holds the separator, the quote or
    a line break; `ALWAYS`; `NON_NUMERIC`: all but numbers). `alwaysDelimitText` is the
    older spelling of `quoteMode: ALWAYS`. Timestamps are written with `dateTimeFormat`
    (UTC), dates with `dateFormat`, times with `timeFormat`. Outputs `uri` and `size`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.serdes.csv.IonToCsv"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.serdes.csv.CsvWriter",)
    SUFFIX: ClassVar[str] = ".csv"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        salaries_example("Download a CSV file, transform it in SQL and store the transformed "
                         "data as a CSV file.", "ion_to_csv", TYPE, spaced=True),
        Example(title="Query a database and export to CSV with quoted strings but unquoted "
                      "numbers using the NON_NUMERIC quote mode.", code="""\
id: export_csv_non_numeric
namespace: company.team

tasks:
  - id: query
    type: io.kestra.plugin.jdbc.snowflake.Query
    fetchType: STORE
    sql: |
      SELECT
        Referencia,
        Descripcion,
        Cantidad,
        Precio
      FROM my_table
    url: "jdbc:snowflake://{{ namespace.snowflake.account }}.snowflakecomputing.com"
    username: "{{ namespace.snowflake.user }}"
    password: "{{ secret('SNOWFLAKE_PASSWORD') }}"

  - id: to_csv
    type: io.kestra.plugin.serdes.csv.IonToCsv
    from: "{{ outputs.query.uri }}"
    header: false
    quoteMode: NON_NUMERIC
"""),
    )

    header: bool = True
    field_separator: str = ","
    text_delimiter: str = '"'
    line_delimiter: str = "\n"
    always_delimit_text: bool = False
    quote_mode: QuoteMode | None = None
    charset: str = "UTF-8"

    def run(self, ctx: RunContext) -> dict[str, Any]:
        encoding = charset(ctx, self.charset)
        line_end = str(ctx.render(self.line_delimiter))
        mode = self.quote_mode or ("ALWAYS" if self.always_delimit_text else "REQUIRED")
        cell = _Cells(single_char(ctx, self.field_separator, "fieldSeparator"),
                      single_char(ctx, self.text_delimiter, "textDelimiter"), mode)
        formatter = TextFormatter(ctx, self)
        path, count, first = self.target(ctx), 0, True
        with self.source(ctx) as stream, open(path, "w", encoding=encoding, buffering=BUFFER,
                                              newline="") as out:
            for row in read_ion(stream):
                if isinstance(row, list):
                    if self.header:
                        raise TaskFailure("Invalid data of type List with header")
                    values = row
                elif isinstance(row, dict):
                    if first and self.header:
                        out.write(cell.line([str(k) for k in row], line_end))
                    values = list(row.values())
                else:
                    values = None  # Kestra skips scalars, yet counts them
                first = False
                if values is not None:
                    out.write(cell.line([formatter.text(v) for v in values], line_end))
                count += 1
                killed_check(ctx, count)
        return finish(ctx, path, count)


class _Cells:
    def __init__(self, separator: str, quote: str, mode: str) -> None:
        self.separator, self.quote, self.mode = separator, quote, mode
        self.special = (separator, quote, "\r", "\n")

    def line(self, values: list[str | None], end: str) -> str:
        return self.separator.join(self.cell(v) for v in values) + end

    def cell(self, value: str | None) -> str:
        if value is None:
            return self._quoted("") if self.mode == "ALWAYS" else ""
        if self.mode == "ALWAYS" or any(c in value for c in self.special):
            return self._quoted(value)
        if self.mode == "NON_NUMERIC" and value and not _NUMERIC.fullmatch(value):
            return self._quoted(value)
        return value

    def _quoted(self, value: str) -> str:
        return self.quote + value.replace(self.quote, self.quote * 2) + self.quote
