"""io.kestra.plugin.serdes.json.IonToJson: ION to JSON lines (or a JSON array)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from decimal import Decimal
from typing import Any, ClassVar

from podium.sdk import Example, RunContext
from podium.sdk.ion import read_ion

from ._base import BUFFER, Conversion, charset, finish, killed_check
from ._text import zone


class IonToJson(Conversion):
    """Convert an ION file into a JSONL file.

    One JSON line per ION record by default; `newLine: false` writes a JSON array instead
    (a lone record is written as itself, as Kestra does). Timestamps are written as ISO
    date-times in `timeZoneId` (UTC by default), decimals as JSON numbers, blobs as base64.
    ION annotations are not kept (`shouldKeepAnnotations` is accepted; see the report).
    Outputs `uri` and `size`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.serdes.json.IonToJson"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.serdes.json.JsonWriter",)
    SUFFIX: ClassVar[str] = ".jsonl"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(
        title="Convert an ION file to newline-delimited JSON (JSONL).", code="""\
id: ion_to_json
namespace: company.team

tasks:
  - id: http_download
    type: io.kestra.plugin.core.http.Download
    uri: https://huggingface.co/datasets/kestra/datasets/raw/main/csv/products.csv

  - id: convert
    type: io.kestra.plugin.serdes.csv.CsvToIon
    from: "{{ outputs.http_download.uri }}"

  - id: to_json
    type: io.kestra.plugin.serdes.json.IonToJson
    from: "{{ outputs.convert.uri }}"
"""),)

    charset: str = "UTF-8"
    new_line: bool = True
    time_zone_id: str | None = None
    should_keep_annotations: bool = False

    def run(self, ctx: RunContext) -> dict[str, Any]:
        encoding = charset(ctx, self.charset)
        tz = zone(ctx, self.time_zone_id).tz
        path = self.target(ctx, ".jsonl" if self.new_line else ".json")
        count = 0
        with self.source(ctx) as stream, open(path, "w", encoding=encoding, buffering=BUFFER,
                                              newline="\n") as out:
            held: Any = None
            for value in read_ion(stream):
                text = to_json(value, tz)
                if self.new_line:
                    out.write(text + "\n")
                elif count == 0:
                    held = text  # a lone record is written bare, more open an array
                else:
                    out.write(("[" + held) if count == 1 else "")
                    out.write("," + text)
                count += 1
                killed_check(ctx, count)
            if not self.new_line and count == 1:
                out.write(held)
            elif not self.new_line and count > 1:
                out.write("]")
        return finish(ctx, path, count)


def to_json(value: Any, tz: dt.tzinfo) -> str:
    """One value as compact JSON; decimals keep their digits (json.dumps would not)."""
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(str(k), ensure_ascii=False) + ":" + to_json(v, tz)
                              for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(to_json(v, tz) for v in value) + "]"
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else "null"
    if isinstance(value, float) and not math.isfinite(value):
        return "null"
    if isinstance(value, dt.datetime):
        moment = value.astimezone(tz) if value.tzinfo else value
        value = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    elif isinstance(value, (dt.date, dt.time)):
        value = value.isoformat()
    elif isinstance(value, (bytes, bytearray)):
        value = base64.b64encode(bytes(value)).decode()
    return json.dumps(value, ensure_ascii=False)
