"""Pebble's tests (defined, empty, even, odd, iterable, map, null) and the registry contents."""

import pytest
from jinja2 import Undefined

from podium.common.errors import TemplateError
from podium.common.templating.library import FILTERS, FUNCTIONS
from podium.common.templating.library import TESTS as T


def test_defined_and_null():
    assert T["defined"]("x") is True and T["defined"](0) is True
    assert T["defined"](None) is False and T["defined"](Undefined()) is False
    assert T["null"](None) is True and T["null"](Undefined()) is True and T["null"]("") is False


def test_empty():  # Pebble EmptyTest
    for v in (None, Undefined(), "", "  ", [], {}):
        assert T["empty"](v) is True
    for v in ("a", [0], {"a": None}, 0, False):
        assert T["empty"](v) is False


def test_even_odd():
    assert T["even"](2) and not T["even"](3) and T["odd"](3) and not T["odd"](-4)
    with pytest.raises(TemplateError, match="null"):
        T["even"](None)
    with pytest.raises(TemplateError, match="integer"):
        T["odd"]("3")


def test_iterable_and_map():
    assert T["iterable"]([1]) and T["iterable"](()) and not T["iterable"]("abc") and not T["iterable"]({})
    assert T["map"]({}) and not T["map"]([])


def test_registry_is_complete():
    assert set(FILTERS) >= {
        "chunk", "className", "date", "dateAdd", "timestamp", "timestampMicro", "timestampNano", "jq",
        "escapeChar", "toJson", "json", "toIon", "yaml", "keys", "values", "number", "numberFormat",
        "replace", "urldecode", "urlencode", "slugify", "substringBefore", "substringAfter",
        "substringBeforeLast", "substringAfterLast", "flatten", "indent", "nindent", "startsWith",
        "endsWith", "md5", "sha1", "sha256", "sha512", "base64encode", "base64decode", "abbreviate",
        "abs", "capitalize", "default", "first", "join", "last", "length", "lower", "merge", "reverse",
        "rsort", "slice", "sort", "split", "title", "trim", "upper"}
    assert set(FUNCTIONS) >= {
        "now", "fromJson", "json", "fromIon", "yaml", "uuid", "id", "randomInt", "max", "min", "range",
        "secret", "kv", "read", "fileURI", "fileSize", "encrypt", "decrypt", "errorLogs"}
    assert not set(FUNCTIONS) & {"render", "renderOnce", "printContext", "fetchContext", "currentEachOutput"}
    assert set(T) >= {"json", "defined", "empty", "even", "odd", "iterable", "map", "null"}
