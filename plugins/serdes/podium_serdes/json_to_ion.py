"""io.kestra.plugin.serdes.json.JsonToIon: JSON lines (or a JSON array) to ION."""

from __future__ import annotations

import io
import json
from typing import Any, ClassVar, Iterator

from podium.sdk import Example, RunContext, TaskFailure
from podium.sdk.ion import write_ion

from ._base import BUFFER, Conversion, charset, finish, killed_check


class JsonToIon(Conversion):
    """Convert a JSON file to the Amazon ION format.

    With `newLine: true` (the default) the file is JSON lines, one value per line, read
    line by line. With `newLine: false` it is one JSON document, read whole (as Kestra
    does): an array gives one record per element, anything else one record.
    Outputs `uri` and `size`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.serdes.json.JsonToIon"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.serdes.json.JsonReader",)
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(
        title="Convert a JSON file to the Amazon ION format.", code="""\
id: json_to_ion
namespace: company.team

tasks:
  - id: http_download
    type: io.kestra.plugin.core.http.Download
    uri: https://huggingface.co/datasets/kestra/datasets/raw/main/json/products.json

  - id: to_ion
    type: io.kestra.plugin.serdes.json.JsonToIon
    from: "{{ outputs.http_download.uri }}"
"""),)

    charset: str = "UTF-8"
    new_line: bool = True

    def run(self, ctx: RunContext) -> dict[str, Any]:
        encoding = charset(ctx, self.charset)
        path, count = self.target(ctx), 0
        with self.source(ctx) as stream, open(path, "w", encoding="utf-8", buffering=BUFFER,
                                              newline="\n") as out:
            text = io.TextIOWrapper(stream, encoding=encoding)
            values = _lines(text) if self.new_line else _document(text)
            try:
                for value in values:
                    write_ion(out, value)
                    count += 1
                    killed_check(ctx, count)
            except UnicodeDecodeError as exc:
                raise TaskFailure(f"charset: the file is not {encoding} text: {exc.reason}") from None
        return finish(ctx, path, count)


def _lines(text: io.TextIOWrapper) -> Iterator[Any]:
    for number, line in enumerate(text, 1):
        if line.strip():
            yield _parse(line, number)  # the file's line, whatever json says


def _document(text: io.TextIOWrapper) -> Iterator[Any]:
    value = _parse(text.read(), None)
    if isinstance(value, list):
        yield from value
    else:
        yield value


def _parse(text: str, line: int | None) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = line if line is not None else exc.lineno
        raise TaskFailure(f"from: invalid JSON at line {where}: {exc.msg}") from None
    except UnicodeDecodeError as exc:
        raise TaskFailure(f"charset: the file is not valid for this charset: {exc}") from None
