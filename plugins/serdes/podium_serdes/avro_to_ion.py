"""io.kestra.plugin.serdes.avro.AvroToIon: an Avro data file to ION, record by record."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar, Iterator

from podium.sdk import Example, RunContext, TaskFailure
from podium.sdk.ion import write_ion

from ._base import BUFFER, BadLines, Conversion, OnBadLines, finish, killed_check


class AvroToIon(Conversion):
    """Convert an Avro file to the Amazon Ion format.

    Reads the Avro object container file block by block with its embedded schema. Logical
    types come out as ION values: timestamps as ION timestamps, dates and times as text,
    decimals as ION decimals, bytes as blobs. `onBadLines` says whether a record that cannot
    be read fails the task (`ERROR`), is logged and skipped (`WARN`) or skipped (`SKIP`).
    Outputs `uri` and `size`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.serdes.avro.AvroToIon"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.serdes.avro.AvroReader",)
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(
        title="Convert an Avro file to the Amazon Ion format.", code="""\
id: avro_to_ion
namespace: company.team
tasks:
  - id: http_download
    type: io.kestra.plugin.core.http.Download
    uri: https://huggingface.co/datasets/kestra/datasets/raw/main/avro/products.avro
  - id: to_ion
    type: io.kestra.plugin.serdes.avro.AvroToIon
    from: "{{ outputs.http_download.uri }}"
    onBadLines: WARN
"""),)

    on_bad_lines: OnBadLines = "ERROR"

    def run(self, ctx: RunContext) -> dict[str, Any]:
        bad = BadLines(ctx, self.on_bad_lines)
        path, count = self.target(ctx), 0
        with self.source(ctx) as stream, open(path, "w", encoding="utf-8", buffering=BUFFER,
                                              newline="\n") as out:
            for record in _records(stream, bad):
                write_ion(out, ion_value(record))
                count += 1
                killed_check(ctx, count)
        return finish(ctx, path, count)


def _records(stream: Any, bad: BadLines) -> Iterator[Any]:
    import fastavro  # here, not at the top: podium_serdes/__init__.py says why

    try:
        reader = fastavro.reader(stream)
    except Exception as exc:  # fastavro's errors for a file that is not Avro
        raise TaskFailure(f"from: not an Avro data file: {exc}") from None
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except Exception as exc:
            bad.handle(f"Bad Avro record encountered: {exc}")
            if bad.mode != "ERROR":
                return  # the rest of a corrupt block cannot be found again
        else:
            yield record


def ion_value(value: Any) -> Any:
    """A value read by fastavro or pyarrow as the ION value Kestra writes for it."""
    if isinstance(value, dict):
        return {k: ion_value(v) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            return {str(k): ion_value(v) for k, v in value}  # an Arrow map
        return [ion_value(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.time):
        return value.isoformat()
    return value
