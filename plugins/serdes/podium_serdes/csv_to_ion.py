"""io.kestra.plugin.serdes.csv.CsvToIon: a CSV file to ION, record by record."""

from __future__ import annotations

import csv
import io
from typing import Any, ClassVar, Iterator, Literal

from podium.sdk import Example, RunContext, TaskFailure
from podium.sdk.ion import write_ion

from ._base import (
    BUFFER,
    BadLines,
    Conversion,
    OnBadLines,
    charset,
    finish,
    killed_check,
    single_char,
)

OnEmptyHeader = Literal["DROP", "RENAME"]
NULL = "\\N"  # Kestra reads this cell as null, whatever the column


class CsvToIon(Conversion):
    """Convert a CSV file to the Amazon ION format.

    Supports a configurable field separator, text delimiter, charset and header detection.
    The value `\\N` is treated as null in any field. `onBadLines` says what to do with a
    malformed row (one whose field count differs from the header's). A leading UTF-8
    byte-order mark is stripped. Trailing unnamed header columns (from a trailing field
    separator) are dropped; `onEmptyHeader: RENAME` keeps them as col_0, col_1...
    With `header: true` each row is a struct; without, a list. `skipRows` skips that many
    data rows after the header. Outputs `uri` (the ION file) and `size` (the records).
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.serdes.csv.CsvToIon"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.serdes.csv.CsvReader",)
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(
        title="Convert a CSV file to the Amazon ION format.",
        code="""\
id: csv_to_ion
namespace: company.team

tasks:
  - id: http_download
    type: io.kestra.plugin.core.http.Download
    uri: https://huggingface.co/datasets/kestra/datasets/raw/main/csv/products.csv

  - id: to_ion
    type: io.kestra.plugin.serdes.csv.CsvToIon
    from: "{{ outputs.http_download.uri }}"
"""),)

    header: bool = True
    field_separator: str = ","
    text_delimiter: str = '"'
    skip_empty_rows: bool = False
    error_on_different_field_count: bool | None = None  # deprecated in Kestra, ignored
    on_bad_lines: OnBadLines = "ERROR"
    on_empty_header: OnEmptyHeader = "DROP"
    skip_rows: int = 0
    charset: str = "UTF-8"
    max_buffer_size: int = 16 * 1024 * 1024
    allow_extra_chars_after_closing_quote: bool = False
    max_field_size: int = 16 * 1024 * 1024

    def run(self, ctx: RunContext) -> dict[str, Any]:
        encoding = charset(ctx, self.charset)
        if encoding == "utf-8":
            encoding = "utf-8-sig"  # strips a byte-order mark, as Kestra does for UTF-8 only
        dialect = {"delimiter": single_char(ctx, self.field_separator, "fieldSeparator"),
                   "quotechar": single_char(ctx, self.text_delimiter, "textDelimiter"),
                   "strict": not self.allow_extra_chars_after_closing_quote}
        if csv.field_size_limit() < self.max_field_size:
            csv.field_size_limit(self.max_field_size)
        bad = BadLines(ctx, self.on_bad_lines)
        path, count = self.target(ctx), 0
        with self.source(ctx) as stream, open(path, "w", encoding="utf-8",
                                              buffering=BUFFER, newline="\n") as out:
            text = io.TextIOWrapper(stream, encoding=encoding, newline="")
            for row in self._rows(csv.reader(text, **dialect), bad):
                write_ion(out, row)
                count += 1
                killed_check(ctx, count)
        return finish(ctx, path, count)

    def _rows(self, reader: Any, bad: BadLines) -> Iterator[Any]:
        names: list[str] = []
        kept = 0
        skipped = 0
        for fields in _records(reader, bad, self.skip_empty_rows):
            if self.header and not names:
                names, kept = self._header(fields, bad.ctx)
                continue
            if skipped < self.skip_rows:
                skipped += 1
                continue
            values = [None if field == NULL else field for field in fields]
            if not self.header:
                yield values
            elif len(values) != len(names):
                bad.handle("Bad line encountered (field count mismatch): Expected "
                           f"{len(names)}, got {len(values)} fields.")
            else:
                yield dict(zip(names[:kept], values[:kept]))

    def _header(self, names: list[str], ctx: RunContext) -> tuple[list[str], int]:
        if self.on_empty_header == "RENAME":
            taken, renamed = set(names), []
            for index, name in enumerate(names):
                if not name:
                    attempt, name = 1, f"col_{index}"
                    while name in taken:
                        attempt += 1
                        name = f"col_{index}_{attempt}"
                    taken.add(name)
                renamed.append(name)
            return renamed, len(renamed)
        named = [index for index, name in enumerate(names) if name]
        kept = (named[-1] if named else len(names) - 1) + 1
        if kept < len(names):
            ctx.log("WARN", f"Dropped {len(names) - kept} trailing unnamed header column(s); "
                            "set onEmptyHeader=RENAME to keep them.")
        if len(set(names[:kept])) < kept:
            ctx.log("WARN", "Header has duplicate or empty column names: colliding columns "
                            "share one key and only the last value is kept.")
        return names, kept


def _records(reader: Any, bad: BadLines, skip_empty: bool) -> Iterator[list[str]]:
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            bad.handle(f"Bad line encountered at line {reader.line_num}: {exc}")
            continue
        except UnicodeDecodeError as exc:
            raise TaskFailure(f"charset: the file is not valid for this charset: {exc}") from None
        if not fields:
            if skip_empty:
                continue
            fields = [""]  # an empty line is one empty field, as FastCSV reads it
        yield fields
