"""List/map filters: Kestra's chunk/keys/values/flatten and Pebble's collection built-ins."""

import pytest
from jinja2 import StrictUndefined, Undefined

from podium.common.errors import TemplateError
from podium.common.templating.library import FILTERS as F


def test_chunk_out():  # ChunkFilterTest.out / exception
    assert F["chunk"]([1, 2, 3, 4, 5, 6, 7, 8, 9], 2) == [[1, 2], [3, 4], [5, 6], [7, 8], [9]]
    with pytest.raises(TemplateError, match="only be applied to List"):
        F["chunk"](1, 2)
    with pytest.raises(TemplateError, match=">= 1"):
        F["chunk"]([1], 0)
    assert F["chunk"]([1, 2], 10**12) == [[1, 2]]
    assert F["chunk"](None, 2) is None


def test_keys_values():  # KeysFilterTest.map / ValuesFilterTest.map
    assert F["keys"](["string", 1, 1.123]) == [0, 1, 2]
    assert F["keys"]({"a": 1, "b": 2}) == ["a", "b"]
    assert F["values"]({"a": 1, "b": "x"}) == [1, "x"]
    with pytest.raises(TemplateError):
        F["keys"]("str")
    with pytest.raises(TemplateError, match="only be applied to Map"):
        F["values"]([1])


def test_flatten():  # FlattenFilterTest.flatten
    nested = ["You're doing great! Keep it up!", "Sending positive vibes your way!",
              ["You're awesome!", "Keep shining!"], "Believe in yourself!"]
    assert F["first"](F["flatten"](nested)) == "You're doing great! Keep it up!"
    assert F["flatten"]([1, [2, [3]], 4]) == [1, 2, [3], 4]
    with pytest.raises(TemplateError, match="lists"):
        F["flatten"]("abc")


def test_default_pebble_empty_semantics():  # Pebble DefaultFilter uses EmptyTest
    d = F["default"]
    assert d(None, "x") == "x"
    assert d(Undefined(), "x") == "x"
    assert d(StrictUndefined(), "x") == "x"
    assert d("", "x") == "x"
    assert d("   ", "x") == "x"
    assert d([], "x") == "x"
    assert d({}, "x") == "x"
    assert d(0, "x") == 0
    assert d(False, "x") is False
    assert d("a", "x") == "a"


def test_first_last():
    assert F["first"]([1, 2, 3]) == 1
    assert F["last"]([1, 2, 3]) == 3
    assert F["first"]("abc") == "a"
    assert F["last"]("abc") == "c"
    assert F["first"]([]) is None
    with pytest.raises(TemplateError):
        F["first"]({"a": 1})


def test_length():
    assert F["length"]("abc") == 3
    assert F["length"]([1, 2]) == 2
    assert F["length"]({"a": 1}) == 1
    assert F["length"](None) == 0
    assert F["length"](42) == 0


def test_join():
    assert F["join"](["a", "b", "c"], ",") == "a,b,c"
    assert F["join"](["a", "b"]) == "ab"
    assert F["join"]([1, None, True, 1.5]) == "1nulltrue1.5"
    with pytest.raises(TemplateError):
        F["join"]("abc", ",")


def test_merge():
    assert F["merge"]([1, 2], [3]) == [1, 2, 3]
    assert F["merge"]({"a": 1}, {"b": 2, "a": 3}) == {"a": 3, "b": 2}
    assert F["merge"]({"a": 1}, ["x"]) == {"a": 1, "x": "x"}
    assert F["merge"]([1], {"k": "v"}) == [1, {"k": "v"}]
    assert F["merge"](None, [1]) == [1]
    with pytest.raises(TemplateError, match="null"):
        F["merge"](None, None)
    with pytest.raises(TemplateError):
        F["merge"]("s", [1])


def test_reverse_sort_rsort():
    src = [3, 1, 2]
    assert F["reverse"](src) == [2, 1, 3]
    assert F["sort"](src) == [1, 2, 3]
    assert F["rsort"](src) == [3, 2, 1]
    assert src == [3, 1, 2]  # inputs are not mutated
    assert F["sort"](["b", "a"]) == ["a", "b"]
    with pytest.raises(TemplateError, match="comparable"):
        F["sort"]([1, "a"])


def test_slice_pebble():  # Pebble SliceFilter
    assert F["slice"]("abcdef", 1, 3) == "bc"
    assert F["slice"]([1, 2, 3, 4], 2) == [3, 4]
    assert F["slice"]([1, 2, 3, 4], fromIndex=0, toIndex=2) == [1, 2]
    with pytest.raises(TemplateError, match="smaller than input size"):
        F["slice"]("abc", 0, 10)
    with pytest.raises(TemplateError, match="greater than fromIndex"):
        F["slice"]("abc", 2, 1)
    with pytest.raises(TemplateError):
        F["slice"]("abc", -1)
