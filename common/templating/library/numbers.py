"""Number filters: Kestra's `number(type)` and `className`, Pebble's `numberFormat` and `abs`."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from typing import Any

from ._util import fail, is_missing, type_name

MAX_NUMBER_TEXT = 400


class _JavaTyped:
    java_class = ""


class JavaInteger(_JavaTyped, int):
    java_class = "java.lang.Integer"


class JavaLong(_JavaTyped, int):
    java_class = "java.lang.Long"


class JavaBigInteger(_JavaTyped, int):
    java_class = "java.math.BigInteger"


class JavaFloat(_JavaTyped, float):
    java_class = "java.lang.Float"


class JavaDouble(_JavaTyped, float):
    java_class = "java.lang.Double"


def java_class_name(value: Any) -> str | None:
    """The Java class Kestra would report for an equivalent value."""
    if value is None:
        return None
    if isinstance(value, _JavaTyped):
        return value.java_class
    if isinstance(value, bool):
        return "java.lang.Boolean"
    if isinstance(value, int):
        if -2**31 <= value < 2**31:
            return "java.lang.Integer"
        return "java.lang.Long" if -2**63 <= value < 2**63 else "java.math.BigInteger"
    if isinstance(value, float):
        return "java.lang.Double"
    if isinstance(value, Decimal):
        return "java.math.BigDecimal"
    if isinstance(value, str):
        return "java.lang.String"
    if isinstance(value, dict):
        return "java.util.LinkedHashMap"
    if isinstance(value, (list, tuple)):
        return "java.util.ArrayList"
    if isinstance(value, (set, frozenset)):
        return "java.util.HashSet"
    if isinstance(value, dt.datetime):
        return "java.time.ZonedDateTime" if value.tzinfo else "java.time.LocalDateTime"
    if isinstance(value, dt.date):
        return "java.time.LocalDate"
    if isinstance(value, dt.time):
        return "java.time.LocalTime"
    if isinstance(value, (bytes, bytearray)):
        return "[B"
    return "java.lang.Object"


def class_name(value: Any) -> Any:
    """`className`: the Java class name of the value (null stays null)."""
    if is_missing(value):
        return None
    return java_class_name(value)


_INT_RX = re.compile(r"([+-]?)(0[xX][0-9a-fA-F]+|#[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
_FLOAT_RX = re.compile(r"[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[fFdD]?")


def _decode(s: str, bits: int | None, cls: Any) -> Any:
    m = _INT_RX.fullmatch(s)
    if not m:
        fail(f"'{s}' is not a valid integer")
    sign, body = m.groups()
    if body[:2] in ("0x", "0X") or body.startswith("#"):
        v = int(body.lstrip("#")[2:] if body[:1] == "0" else body[1:], 16)
    elif len(body) > 1 and body[0] == "0":
        v = int(body, 8)
    else:
        v = int(body)
    v = -v if sign == "-" else v
    if bits is not None and not -2**(bits - 1) <= v < 2**(bits - 1):
        fail(f"'{s}' is out of range for a {bits}-bit integer")
    return cls(v)


def _float(s: str, cls: Any, single: Any = False) -> Any:
    if not _FLOAT_RX.fullmatch(s):
        fail(f"'{s}' is not a valid number")
    v = float(s.rstrip("fFdD"))
    if single and math.isfinite(v) and abs(v) > 3.4028235e38:
        v = math.copysign(math.inf, v)
    return cls(v)


def _big_decimal(s: str) -> Any:
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,9})?", s):
        fail(f"'{s}' is not a valid decimal number")
    return Decimal(s)


def _create_number(s: str) -> Any:
    """commons-lang NumberUtils.createNumber."""
    last = s[-1]
    if last in "lL" and len(s) > 1:
        return _decode(s[:-1], 64, JavaLong)
    if last in "fF" and not s.lower().startswith(("0x", "#", "-0x", "+0x")):
        return _float(s, JavaFloat, True)
    if last in "dD" and not s.lower().startswith(("0x", "#", "-0x", "+0x")):
        return _float(s, JavaDouble)
    if "." in s or (("e" in s or "E" in s) and not s.lower().lstrip("+-").startswith(("0x", "#"))):
        mant = re.split(r"[eE]", s)[0]
        decimals = len(mant.split(".")[1]) if "." in mant else 0
        if decimals <= 7:
            f = _float(s, JavaFloat, True)
            if math.isfinite(f) and not (f == 0 and re.search(r"[1-9]", mant)):
                return f
        if decimals <= 16:
            d = _float(s, JavaDouble)
            if math.isfinite(d) and not (d == 0 and re.search(r"[1-9]", mant)):
                return d
        return _big_decimal(s)
    for bits, cls in ((32, JavaInteger), (64, JavaLong)):
        try:
            return _decode(s, bits, cls)
        except Exception:
            continue
    return _decode(s, None, JavaBigInteger)


def number(value: Any, type: Any = None) -> Any:
    """`number(type)`: parse a string to INT, FLOAT, LONG, DOUBLE, BIGDECIMAL, BIGINTEGER or auto."""
    if is_missing(value):
        return None
    if not isinstance(value, str):
        fail(f"'number' filter can only be applied to String. Actual type was: {type_name(value)}")
    s = value
    if not s.strip():
        fail("A blank string is not a valid number")
    if len(s) > MAX_NUMBER_TEXT:
        fail(f"Number is too long ({len(s)} characters, max {MAX_NUMBER_TEXT})")
    kind = (type or "").upper() if isinstance(type, str) or type is None else fail("number type must be a string")
    if kind == "INT":
        return _decode(s, 32, JavaInteger)
    if kind == "LONG":
        return _decode(s, 64, JavaLong)
    if kind == "BIGINTEGER":
        return _decode(s, None, JavaBigInteger)
    if kind == "FLOAT":
        return _float(s, JavaFloat, True)
    if kind == "DOUBLE":
        return _float(s, JavaDouble)
    if kind == "BIGDECIMAL":
        return _big_decimal(s)
    if kind:
        fail(f"Unknown number type '{type}' (use INT, FLOAT, LONG, DOUBLE, BIGDECIMAL or BIGINTEGER)")
    return _create_number(s)


def abs_(value: Any) -> Any:
    if is_missing(value):
        fail('Can not pass null value to "abs" filter.')
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        fail("The 'abs' filter does require as input a number.")
    return abs(value)


def _parse_decimal_format(fmt: str) -> Any:
    if len(fmt) > 100:
        fail("numberFormat pattern is too long")
    fmt = fmt.split(";")[0]
    m = re.fullmatch(r"((?:'[^']*'|[^#0,.'E])*)([#0,]*(?:\.[0#]*)?(?:E0+)?)((?:'[^']*'|[^#0,.'E])*)", fmt)
    if not m or not m.group(2):
        fail(f"Invalid numberFormat pattern '{fmt}'")
    prefix, body, suffix = m.groups()

    def unq(text: str) -> str:
        return re.sub(r"'([^']*)'", lambda q: q.group(1) or "'", text)

    exp = None
    if "E" in body:
        body, e = body.split("E")
        exp = len(e)
    ip, _, fp = body.partition(".")
    group = len(ip) - ip.rfind(",") - 1 if "," in ip else 0
    digits = ip.replace(",", "")
    return (unq(prefix), unq(suffix), digits.count("0"), len(fp), fp.count("0"), group, exp,
            "%" in prefix + suffix, "\u2030" in prefix + suffix)


def number_format(value: Any, format: Any = None) -> Any:
    """Pebble `numberformat` (renamed `numberFormat` by Kestra): java.text.DecimalFormat, English."""
    if is_missing(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        fail("The input for the 'numberFormat' filter has to be a number.")
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("\u221e" if value > 0 else "-\u221e")
    if format is not None and not isinstance(format, str):
        fail("The numberFormat pattern must be a string")
    prefix, suffix, min_int, max_frac, min_frac, group, exp, pct, mille = \
        _parse_decimal_format(format if format is not None else "#,##0.###")
    d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if abs(d.adjusted()) > 1000:
        fail("Number is too large for numberFormat")
    d = d * 100 if pct else d * 1000 if mille else d
    neg = d < 0
    d = abs(d)
    e_str = ""
    with localcontext() as ctx:
        ctx.prec = 2100
        if exp is not None:
            shift = d.adjusted() - (max(min_int, 1) - 1) if d else 0
            d = d.scaleb(-shift)
            e_str = "E" + ("-" if shift < 0 else "") + str(abs(shift)).zfill(exp)
        try:
            q = d.quantize(Decimal(1).scaleb(-max_frac), rounding=ROUND_HALF_EVEN)
        except InvalidOperation:
            fail("Number is too large for numberFormat")
    text = format_decimal(q, max_frac)
    ip, _, fp = text.partition(".")
    fp = fp.rstrip("0")
    fp = fp + "0" * (min_frac - len(fp))
    ip = ip.lstrip("0").rjust(min_int, "0")
    if group:
        parts: list[str] = []
        while len(ip) > group:
            parts.insert(0, ip[-group:])
            ip = ip[:-group]
        ip = ",".join([ip] + parts) if ip else ",".join(parts)
    out = ip + ("." + fp if fp else "")
    if out == "":
        out = "0"
    if neg and re.search(r"[1-9]", out):
        out = "-" + out
    return prefix + out + e_str + suffix


def format_decimal(q: Decimal, places: int) -> str:
    return f"{q:.{places}f}"


FILTERS = {"number": number, "numberFormat": number_format, "abs": abs_, "className": class_name}
