"""io.kestra.plugin.serdes.xml.XmlToIon: an XML file to ION (streamed with a `query`)."""

from __future__ import annotations

import io
from typing import Any, ClassVar, Iterator
from xml.etree.ElementTree import ParseError, XMLParser, iterparse

from podium.sdk import Example, RunContext, StrictModel, TaskFailure
from podium.sdk.ion import write_ion

from ._base import BUFFER, Conversion, charset, finish, killed_check
from ._xml import _local, clean, element_value


class ParserConfiguration(StrictModel):
    force_list: list[str] = []


class XmlToIon(Conversion):
    """Convert an XML file to the Amazon ION format.

    Without a `query`, the whole document is one record: `{root: ...}`, or the records of
    its repeated element when the document is a list (`<items><item/>...</items>`). With a
    `query` (e.g. `/catalog/book`), each matching element is read and written on its own, so
    a large file streams. Attributes and child elements become keys, repeated elements
    lists (always lists for the names in `parserConfiguration.forceList`), text is typed
    (numbers, booleans, null). External entities are never resolved. Outputs `uri`, `size`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.serdes.xml.XmlToIon"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.serdes.xml.XmlReader",)
    EXAMPLES: ClassVar[tuple[Example, ...]] = (Example(
        title="Convert an XML file to the Amazon ION format.", code="""\
id: xml_to_ion
namespace: company.team
tasks:
  - id: http_download
    type: io.kestra.plugin.core.http.Download
    uri: https://huggingface.co/datasets/kestra/datasets/raw/main/xml/products.xml
  - id: to_ion
    type: io.kestra.plugin.serdes.xml.XmlToIon
    from: "{{ outputs.http_download.uri }}"
"""),)

    charset: str = "UTF-8"
    query: str | None = None
    parser_configuration: ParserConfiguration | None = None

    def run(self, ctx: RunContext) -> dict[str, Any]:
        encoding = charset(ctx, self.charset)
        force = frozenset(str(ctx.render(n)) for n in
                          (self.parser_configuration.force_list if self.parser_configuration
                           else []))
        query = str(ctx.render(self.query)).strip("/").split("/") if self.query else None
        path, count = self.target(ctx), 0
        with self.source(ctx) as stream, open(path, "w", encoding="utf-8", buffering=BUFFER,
                                              newline="\n") as out:
            text = io.TextIOWrapper(stream, encoding=encoding)
            records = _matching(text, query, force) if query else _whole(text, force)
            try:
                for record in records:
                    write_ion(out, record)
                    count += 1
                    killed_check(ctx, count)
            except ParseError as exc:
                raise TaskFailure(f"from: invalid XML: {exc}") from None
            except UnicodeDecodeError as exc:
                raise TaskFailure(f"charset: the file is not {encoding} text: {exc.reason}") from None
        return finish(ctx, path, count)


def _parser() -> XMLParser:
    parser = XMLParser()
    # No DTD entity expansion: the stdlib parser never fetches external entities.
    return parser


def _whole(text: Any, force: frozenset[str]) -> Iterator[Any]:
    root = None
    for _, element in iterparse(text, events=("end",), parser=_parser()):
        root = element
    if root is None:
        return
    value = clean(element_value(root, force))
    inner: Any = value
    if isinstance(value, dict) and len(value) == 1:
        inner = next(iter(value.values()))
    if isinstance(inner, list):
        yield from inner
    else:
        yield {_local(root.tag): value}


def _matching(text: Any, query: list[str], force: frozenset[str]) -> Iterator[Any]:
    names: list[str] = []
    elements: list[Any] = []
    for event, element in iterparse(text, events=("start", "end"), parser=_parser()):
        if event == "start":
            names.append(_local(element.tag))
            elements.append(element)
            continue
        if names == query:
            value = clean(element_value(element, force))
            yield from (value if isinstance(value, list) else [value])
        if len(elements) > 1 and len(names) <= len(query):
            elements[-2].remove(element)  # read: keep nothing of it
        names.pop()
        elements.pop()
