"""The characters of a flow document, checked before YAML sees them.

A flow is UTF-8 text. Other encodings are refused, never repaired: replacing undecodable
bytes would silently change identifiers and scripts. A UTF-8 byte order mark at the very
start is accepted and dropped (editors on Windows write one). Characters YAML forbids
(the control characters of common/control_characters.py, plus C1 controls, unpaired
surrogates, U+FFFE and U+FFFF) are refused with their line and column; ruamel would report
them only as an offset.
"""

from __future__ import annotations

import codecs
import re

from podium.common.control_characters import CONTROL_CHARACTERS, describe_character
from podium.common.errors import Problem, YamlSyntaxError

_UTF8_BOM = "\ufeff"
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
              (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))
# YAML 1.2 printable set (c-printable), negated: our control characters and what YAML
# forbids besides (C1 controls but NEL, U+0085, a line break to YAML; surrogates; U+FFFE/F).
_FORBIDDEN = re.compile(f"[{CONTROL_CHARACTERS}\x80-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def decode_source(source: str | bytes, name: str | None) -> str:
    """The document as text. Raises YamlSyntaxError for anything but UTF-8."""
    if isinstance(source, bytes):
        source = _decode_utf8(source, name)
    return source[1:] if source.startswith(_UTF8_BOM) else source


def check_characters(text: str, name: str | None) -> None:
    """Refuse the first character YAML forbids, with its line and column."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return
    line, column = line_and_column(text, found.start())
    raise YamlSyntaxError([Problem(
        f"{describe_character(found.group())} is not allowed in a flow (YAML forbids "
        "control characters); remove it", line=line, column=column)], name)


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of `offset` in `text`."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _decode_utf8(data: bytes, name: str | None) -> str:
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            _refuse_encoding(f"document is {encoding} (it starts with a {encoding} byte order "
                             "mark); flows must be UTF-8: save the file as UTF-8", name)
    if _looks_utf16(data):
        _refuse_encoding("document looks like UTF-16 (every other byte is NUL); flows must "
                         "be UTF-8: save the file as UTF-8", name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + 1
        column = len(head[head.rfind(b"\n") + 1:].decode("utf-8", errors="replace")) + 1
        raise YamlSyntaxError([Problem(
            f"document is not valid UTF-8: byte 0x{data[exc.start]:02x} at byte offset "
            f"{exc.start} cannot be decoded (Latin-1 or another encoding?); flows must be "
            "UTF-8", line=line, column=column)], name) from None


def _looks_utf16(data: bytes) -> bool:
    sample = data[:64]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2], sample[1::2]
    return even.count(0) > len(even) // 2 or odd.count(0) > len(odd) // 2


def _refuse_encoding(message: str, name: str | None) -> None:
    raise YamlSyntaxError([Problem(message, line=1, column=1)], name)
