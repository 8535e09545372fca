"""io.kestra.plugin.serdes.xml.IonToXml: an ION file to XML, record by record."""

from __future__ import annotations

import base64
import datetime as dt
import re
from decimal import Decimal
from typing import IO, Any, ClassVar
from xml.sax.saxutils import escape

from podium.sdk import Example, RunContext
from podium.sdk.ion import read_ion

from ._base import BUFFER, Conversion, charset, finish, killed_check
from ._examples import salaries_example
from ._text import java_double, zone

_NAME = re.compile(r"[A-Za-z_][\w.-]*")


class IonToXml(Conversion):
    """Convert an ION file to the XML format.

    Each ION record becomes an `<item>` element under the root element `rootName`
    (default `items`), indented by two spaces, as Jackson's XmlMapper writes a list: struct
    keys become child elements, lists repeat their element inside a wrapper, null an empty
    element, timestamps ISO date-times in `timeZoneId`. Written record by record (Kestra
    holds the whole file in memory here). Outputs `uri` and `size`.
    """

    TYPE: ClassVar[str] = "io.kestra.plugin.serdes.xml.IonToXml"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.serdes.xml.XmlWriter",)
    SUFFIX: ClassVar[str] = ".xml"
    EXAMPLES: ClassVar[tuple[Example, ...]] = (salaries_example(
        "Read a CSV file, transform it and store the transformed data as an XML file.",
        "ion_to_xml", TYPE),)

    charset: str = "UTF-8"
    root_name: str = "items"
    time_zone_id: str | None = None

    def run(self, ctx: RunContext) -> dict[str, Any]:
        encoding = charset(ctx, self.charset)
        root = _tag(str(ctx.render(self.root_name)))
        writer = _Writer(zone(ctx, self.time_zone_id).tz)
        path, count = self.target(ctx), 0
        with self.source(ctx) as stream, open(path, "w", encoding=encoding, buffering=BUFFER,
                                              newline="\n") as out:
            # The charset as the flow names it (Java's names are the XML ones), not Python's.
            declared = str(ctx.render(self.charset))
            out.write(f"<?xml version='1.0' encoding='{declared}'?>\n<{root}>")
            for record in read_ion(stream):
                writer.element(out, "item", record, 1)
                count += 1
                killed_check(ctx, count)
            out.write(f"\n</{root}>\n" if count else f"</{root}>\n")
        return finish(ctx, path, count)


def _tag(name: str) -> str:
    return name if _NAME.fullmatch(name) else re.sub(r"[^\w.-]", "_", name) or "_"


class _Writer:
    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz

    def element(self, out: IO[str], name: str, value: Any, depth: int) -> None:
        pad = "\n" + "  " * depth
        tag = _tag(name)
        if value is None:
            out.write(f"{pad}<{tag}/>")
        elif isinstance(value, dict):
            out.write(f"{pad}<{tag}>")
            for key, child in value.items():
                self.element(out, str(key), child, depth + 1)
            out.write(f"{pad}</{tag}>" if value else f"</{tag}>")
        elif isinstance(value, list):
            out.write(f"{pad}<{tag}>")
            for child in value:
                self.element(out, tag, child, depth + 1)
            out.write(f"{pad}</{tag}>" if value else f"</{tag}>")
        else:
            out.write(f"{pad}<{tag}>{escape(self.text(value))}</{tag}>")

    def text(self, value: Any) -> str:
        if value is True or value is False:
            return "true" if value else "false"
        if isinstance(value, float):
            return java_double(value)
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, dt.datetime):
            moment = value.astimezone(self.tz) if value.tzinfo else value
            return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if isinstance(value, (dt.date, dt.time)):
            return value.isoformat()
        if isinstance(value, (bytes, bytearray)):
            return base64.b64encode(bytes(value)).decode()
        return str(value)
