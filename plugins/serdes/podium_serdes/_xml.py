"""XML elements as values, as org.json's XML.toJSONObject reads them (what Kestra's XmlToIon
uses): attributes and child elements become keys, repeated children lists, the text of an
element with attributes or children its `content` key, and text coerced to numbers,
booleans and null."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element

_INTEGER = re.compile(r"-?(?:0|[1-9]\d*)")
_DECIMAL = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")


def coerce(text: str) -> Any:
    """org.json's stringToValue."""
    if text == "":
        return ""
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    if _INTEGER.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        return Decimal(text)
    return text


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def element_value(element: Element, force_list: frozenset[str]) -> Any:
    out: dict[str, Any] = {}
    for name, value in element.attrib.items():
        out[_local(name)] = coerce(value)
    for child in element:
        _add(out, _local(child.tag), element_value(child, force_list), force_list)
    text = (element.text or "").strip()
    if not out:
        return coerce(text)
    if text:
        _add(out, "content", coerce(text), force_list)
    return out


def _add(out: dict[str, Any], key: str, value: Any, force_list: frozenset[str]) -> None:
    if key in out:
        if not isinstance(out[key], list) or key not in force_list and not out.get(_LISTED + key):
            out[key] = [out[key]]
            out[_LISTED + key] = True
        out[key].append(value)
    else:
        out[key] = [value] if key in force_list else value
        if key in force_list:
            out[_LISTED + key] = True


_LISTED = "\0listed:"


def clean(value: Any) -> Any:
    """Drop the list markers _add leaves."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if not k.startswith(_LISTED)}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value
