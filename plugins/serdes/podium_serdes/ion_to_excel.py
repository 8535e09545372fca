"""io.kestra.plugin.serdes.excel.IonToExcel: ION files to the sheets of an .xlsx workbook,
row by row (openpyxl's write-only mode)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import Example, RunContext, TaskFailure
from podium.sdk.ion import read_ion

from ._base import Conversion, charset, killed_check
from ._text import DateFormats, zone


class IonToExcel(Conversion, DateFormats):
    """Convert an ION file to the Excel format.

    `from` is one ION file URI (written to the sheet `sheetsTitle`) or a map of sheet names
    to ION file URIs, one sheet each. With `header` the keys of the first struct are the
    first row. Numbers are numeric cells, booleans boolean cells, timestamps and dates
    date cells (in `timeZoneId`, formatted with `dateFormat` when `styles`), a text starting
    with `Formula:` a formula, null the text `null` (as Kestra writes it). Outputs `uri` and
    `size` (all rows).
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.serdes.excel.IonToExcel"
    SUFFIX: ClassVar[str] = ".xlsx"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (
        Example(title="Download a CSV file and convert it to the Excel file format.", code="""\
id: ion_to_excel
namespace: company.team
tasks:
  - id: http_download
    type: io.kestra.plugin.core.http.Download
    uri: https://huggingface.co/datasets/kestra/datasets/raw/main/csv/products.csv
  - id: convert
    type: io.kestra.plugin.serdes.csv.CsvToIon
    from: "{{ outputs.http_download.uri }}"
  - id: to_excel
    type: io.kestra.plugin.serdes.excel.IonToExcel
    from: "{{ outputs.convert.uri }}"
"""),
        Example(title="Download CSV files and convert them into an Excel file with dedicated "
                      "sheets.", code="""\
id: excel
namespace: company.team
tasks:
  - id: dataset1
    type: io.kestra.plugin.core.http.Download
    uri: https://huggingface.co/datasets/kestra/datasets/raw/main/csv/products.csv
  - id: dataset2
    type: io.kestra.plugin.core.http.Download
    uri: https://huggingface.co/datasets/kestra/datasets/raw/main/csv/fruit.csv
  - id: convert1
    type: io.kestra.plugin.serdes.csv.CsvToIon
    from: "{{ outputs.dataset1.uri }}"
  - id: convert2
    type: io.kestra.plugin.serdes.csv.CsvToIon
    from: "{{ outputs.dataset2.uri }}"
  - id: write
    type: io.kestra.plugin.serdes.excel.IonToExcel
    from:
      Sheet_1: "{{ outputs.convert1.uri }}"
      Sheet_2: "{{ outputs.convert2.uri }}"
"""),
    )

    from_: str | dict[str, str] = Field(  # type: ignore[assignment]
        alias="from", description="An ION file URI, or a map of sheet names to ION file URIs")
    charset: str = "UTF-8"
    sheets_title: str = "Sheet"
    header: bool = True
    styles: bool = True

    def run(self, ctx: RunContext) -> dict[str, Any]:
        charset(ctx, self.charset)
        if isinstance(self.from_, dict):
            sheets = {str(k): str(ctx.render(v)) for k, v in self.from_.items()}
        else:
            sheets = {str(ctx.render(self.sheets_title)): self.source_uri(ctx)}
        import openpyxl  # here, not at the top: podium_serdes/__init__.py says why

        tz = zone(ctx, self.time_zone_id).tz
        book = openpyxl.Workbook(write_only=True)
        total = 0
        for title, uri in sheets.items():
            total += self._sheet(ctx, book.create_sheet(title), uri, tz)
        path = self.target(ctx)
        book.save(path)
        ctx.metric({"name": "records", "type": "counter", "value": total, "tags": {}})
        return {"uri": ctx.put_file(path), "size": total}

    def _sheet(self, ctx: RunContext, sheet: Any, uri: str, tz: dt.tzinfo) -> int:
        try:
            stream = ctx.open_file(uri)
        except Exception as exc:  # the storage's errors: name the property
            raise TaskFailure(f"from: cannot read '{uri}': {exc}") from None
        count, first = 0, True
        with stream:
            for row in read_ion(stream):
                if isinstance(row, list):
                    if self.header:
                        raise TaskFailure("Invalid data of type List with header")
                    sheet.append([self._cell(sheet, v, tz) for v in row])
                elif isinstance(row, dict):
                    if first and self.header:
                        sheet.append([str(k) for k in row])
                    sheet.append([self._cell(sheet, v, tz) for v in row.values()])
                first = False
                count += 1
                killed_check(ctx, count)
        return count

    def _cell(self, sheet: Any, value: Any, tz: dt.tzinfo) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value if abs(value) < 2**63 else str(value)  # Java's BigInteger: text
        if isinstance(value, (float, Decimal)):
            return float(value)
        if isinstance(value, (dt.date, dt.datetime)):
            day = value.astimezone(tz).date() if isinstance(value, dt.datetime) and \
                value.tzinfo else value
            from openpyxl.cell import WriteOnlyCell

            cell = WriteOnlyCell(sheet, value=day)
            if self.styles:
                cell.number_format = self.date_format
            return cell
        text = "null" if value is None else (value if isinstance(value, str) else str(value))
        if text.startswith("Formula:"):
            return "=" + text[len("Formula:"):]
        return text
