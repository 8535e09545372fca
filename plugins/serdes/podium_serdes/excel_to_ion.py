"""io.kestra.plugin.serdes.excel.ExcelToIon: the sheets of an .xlsx workbook to ION files,
row by row (openpyxl's read-only mode streams the sheet XML)."""

from __future__ import annotations

import datetime as dt
import shutil
from typing import Any, ClassVar, Iterator, Literal

from podium.sdk import Example, RunContext, TaskFailure
from podium.sdk.ion import write_ion

from ._base import BUFFER, Conversion, charset, killed_check

ValueRender = Literal["FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"]
DateTimeRender = Literal["SERIAL_NUMBER", "FORMATTED_STRING", "UNFORMATTED_VALUE"]


class ExcelToIon(Conversion):
    """Convert an Excel file to the Amazon ION format.

    Each sheet (or those in `sheetsTitle`) is written to its own ION file: output `uris`
    maps sheet names to them (`{{ outputs.task_id.uris.Sheet1 }}`), `size` counts the rows
    of all. With `header` the first row (after `skipRows`) names the columns, and each row
    is a struct; without, a list. Numbers are written as floats (Excel's doubles), dates as
    ISO dates (`dateTimeRender: SERIAL_NUMBER` for Excel's serial number, `FORMATTED_STRING`
    for text). Formula cells give their cached result.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.serdes.excel.ExcelToIon"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(
        title="Convert an Excel file to the ION format.", code="""\
id: excel_to_ion
namespace: company.team
tasks:
  - id: http_download
    type: io.kestra.plugin.core.http.Download
    uri: https://huggingface.co/datasets/kestra/datasets/raw/main/excel/Products.xlsx
  - id: to_ion
    type: io.kestra.plugin.serdes.excel.ExcelToIon
    from: "{{ outputs.http_download.uri }}"
"""),)

    sheets_title: list[str] | None = None
    charset: str = "UTF-8"
    value_render: ValueRender = "UNFORMATTED_VALUE"
    date_time_render: DateTimeRender = "UNFORMATTED_VALUE"
    header: bool = True
    skip_empty_rows: bool = False
    skip_rows: int = 0

    def run(self, ctx: RunContext) -> dict[str, Any]:
        charset(ctx, self.charset)  # checked, as Kestra's; the workbook says its own
        local = self.target(ctx, ".xlsx")
        with self.source(ctx) as stream, open(local, "wb") as copy:
            shutil.copyfileobj(stream, copy, BUFFER)
        import openpyxl  # here, not at the top: podium_serdes/__init__.py says why

        try:
            book = openpyxl.load_workbook(local, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl's errors for a file that is not a workbook
            raise TaskFailure(f"from: not an Excel (.xlsx) workbook: {exc}") from None
        wanted = [str(ctx.render(t)) for t in self.sheets_title or []]
        ctx.metric({"name": "sheets", "type": "counter", "value": len(book.sheetnames),
                    "tags": {}})
        uris, total = {}, 0
        try:
            for sheet in book.worksheets:
                if wanted and sheet.title not in wanted:
                    continue
                path, count = self.target(ctx), 0
                with open(path, "w", encoding="utf-8", buffering=BUFFER, newline="\n") as out:
                    for record in self._records(sheet.iter_rows(values_only=True)):
                        write_ion(out, record)
                        count += 1
                        killed_check(ctx, count)
                uris[sheet.title] = ctx.put_file(path)
                total += count
        finally:
            book.close()
        return {"uris": uris, "size": total}

    def _records(self, rows: Iterator[tuple[Any, ...]]) -> Iterator[Any]:
        names: list[str] | None = None
        width: int | None = None
        skipped = 0
        for raw in rows:
            if skipped < self.skip_rows:
                skipped += 1
                continue
            values = [self._cell(v) for v in raw]
            if width is None:
                # Kestra takes the width from the header (or first) row's last cell;
                # openpyxl pads every row to the sheet's widest, so trim that row.
                width = len(values)
                while width and values[width - 1] is None:
                    width -= 1
            if self.header and names is None:
                values = values[:width]
                names = [f"Column{i}" if v is None else _text(v) for i, v in enumerate(values)]
                continue
            values = (values + [None] * width)[:width]
            yield dict(zip(names, values)) if names is not None else values

    def _cell(self, value: Any) -> Any:
        if isinstance(value, bool) or value is None or isinstance(value, str):
            return value
        if isinstance(value, (int, float)):
            return float(value)  # Excel holds doubles, and Kestra writes them so
        if isinstance(value, (dt.datetime, dt.date)):
            if self.date_time_render == "SERIAL_NUMBER":
                from openpyxl.utils.datetime import to_excel

                return float(to_excel(value))
            if self.date_time_render == "FORMATTED_STRING":
                return str(value)
            return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
        if isinstance(value, dt.time):
            return value.isoformat()
        return str(value)


def _text(value: Any) -> str:
    from ._text import java_string
    return java_string(value)
