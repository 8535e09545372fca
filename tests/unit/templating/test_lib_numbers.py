"""number, numberFormat, abs, className; oracles from NumberFilterTest and JqFilterTest.typed."""

from decimal import Decimal

import pytest

from podium.common.errors import TemplateError
from podium.common.templating.library import FILTERS as F


@pytest.mark.parametrize("text,kind,cls", [  # NumberFilterTest.source
    ("12.3", None, "java.lang.Float"),
    ("2147483647", None, "java.lang.Integer"),
    ("9223372036854775807", None, "java.lang.Long"),
    ("9223372036854775807", "BIGDECIMAL", "java.math.BigDecimal"),
    ("9223372036854775807", "BIGINTEGER", "java.math.BigInteger"),
    ("9223372036854775807", "DOUBLE", "java.lang.Double"),
])
def test_number_class_NumberFilterTest(text, kind, cls):
    assert F["className"](F["number"](text, kind)) == cls


def test_number_values():
    assert F["number"]("12.3") == 12.3
    assert F["number"]("42") == 42
    assert F["number"]("42", "INT") + 1 == 43
    assert F["number"]("0x1F") == 31
    assert F["number"]("1.5", "BIGDECIMAL") == Decimal("1.5")
    assert F["number"]("99999999999999999999") == 99999999999999999999
    assert F["number"](None) is None
    for bad in ("abc", "", "1.2.3", "12", "9" * 1000):
        with pytest.raises(TemplateError):
            F["number"](bad, "FLOAT" if bad == "1.2.3" else None) if bad != "12" else F["number"](12)
    with pytest.raises(TemplateError, match="out of range"):
        F["number"]("3000000000", "INT")
    with pytest.raises(TemplateError, match="Unknown number type"):
        F["number"]("1", "WHOLE")


def test_number_format():
    nf = F["numberFormat"]
    assert nf(1234567.891) == "1,234,567.891"
    assert nf(1234.5, "#,##0.00") == "1,234.50"
    assert nf(0.256, "#.##%") == "25.6%"
    assert nf(3, "000") == "003"
    assert nf(2.5, "0") == "2"  # HALF_EVEN like DecimalFormat
    assert nf(-1.5, "0.0") == "-1.5"
    assert nf(12345, "0.###E0") == "1.234E4"
    assert nf(None) is None
    with pytest.raises(TemplateError, match="number"):
        nf("12")
    with pytest.raises(TemplateError, match="too large"):
        nf(Decimal("1e100000"))


def test_abs():
    assert F["abs"](-5) == 5
    assert F["abs"](-2.5) == 2.5
    with pytest.raises(TemplateError, match="null"):
        F["abs"](None)
    with pytest.raises(TemplateError, match="number"):
        F["abs"]("x")


def test_class_name_typed():  # JqFilterTest.typed
    assert F["className"]("string") == "java.lang.String"
    assert F["className"](1) == "java.lang.Integer"
    assert F["className"](True) == "java.lang.Boolean"
    assert F["className"](1.5) == "java.lang.Double"
    assert F["className"](None) is None
    assert F["className"]({}) == "java.util.LinkedHashMap"
    assert F["className"]([]) == "java.util.ArrayList"
