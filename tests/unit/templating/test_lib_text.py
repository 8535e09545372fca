"""String filters; oracles from Kestra's filter tests and Pebble's documented behaviour."""

import hashlib

import pytest

from podium.common.errors import TemplateError
from podium.common.templating.library import FILTERS as F


def test_slugify_out():  # SlugifyFilterTest.out
    assert F["slugify"]("Test\t\t\ntest*") == "test-test"
    assert F["slugify"]("Hello World") == "hello-world"
    assert F["slugify"]("  Héllo__Wörld! ") == "hello-world"
    assert F["slugify"](None) is None


def test_substrings_SubstringFilterTest():  # SubstringFilterTest.*
    assert F["substringBefore"]("a.b.c", ".") == "a"
    assert F["substringAfter"]("a.b.c", separator=".") == "b.c"
    assert F["substringBeforeLast"]("a.b.c", separator=".") == "a.b"
    assert F["substringAfterLast"]("a.b.c", ".") == "c"


def test_substrings_commons_lang_edges():
    assert F["substringBefore"]("abc", "x") == "abc"
    assert F["substringBefore"]("abc", "") == ""
    assert F["substringAfter"]("abc", "x") == ""
    assert F["substringAfter"]("abc", "") == "abc"
    assert F["substringBeforeLast"]("abc", "x") == "abc"
    assert F["substringBeforeLast"]("abc", "") == "abc"
    assert F["substringAfterLast"]("abc", "x") == ""
    assert F["substringAfterLast"]("abc", "c") == ""
    assert F["substringAfterLast"]("abc", "") == ""
    assert F["substringBefore"](None, ".") is None
    with pytest.raises(TemplateError, match="separator"):
        F["substringAfter"]("abc")


def test_starts_ends_with():  # StartsWithFilterTest.out / EndsWithFilterTest.out
    assert F["startsWith"]("Hello World", "Hello") is True
    assert F["endsWith"]("Hello World", "World") is True
    assert F["startsWith"]("Hello World", value="World") is False
    assert F["endsWith"]("Hello", value="x") is False
    with pytest.raises(TemplateError):
        F["startsWith"]("Hello")


@pytest.mark.parametrize("kind,value,expected", [  # EscapeCharFilterTest.validTypes
    ("single", "L'eau c'est la vie", "L\\'eau c\\'est la vie"),
    ("double", '"Hello"', '\\"Hello\\"'),
    ("shell", "L'eau c'est la vie", "L'\\''eau c'\\''est la vie"),
    ("single", "", ""), ("double", "", ""), ("shell", "", ""),
])
def test_escape_char_validTypes(kind, value, expected):
    assert F["escapeChar"](value, kind) == expected


@pytest.mark.parametrize("kind", ["foo", ""])  # EscapeCharFilterTest.invalidTypes
def test_escape_char_invalidTypes(kind):
    with pytest.raises(TemplateError, match="single', 'double', or 'shell'"):
        F["escapeChar"]("Hello", kind)


def test_escape_char_recursive():
    assert F["escapeChar"]({"a": "it's", "b": ["o'k", {"c": 1}]}, type="SINGLE") == \
        {"a": "it\\'s", "b": ["o\\'k", {"c": "1"}]}
    deep = "x'"
    for _ in range(500):
        deep = [deep]
    with pytest.raises(TemplateError, match="nested deeper"):
        F["escapeChar"](deep, "single")


def test_replace_string_and_regexp():  # ReplaceFilterTest.string / regexp
    assert F["replace"]("john doe is john doe", {"john": "jane"}) == "jane doe is jane doe"
    assert F["replace"]("aa1bb2cc3dd4ee5", {"(\\d)": "-$1-"}, regexp=True) == "aa-1-bb-2-cc-3-dd-4-ee-5-"


def test_replace_recursive_named_groups_and_errors():
    assert F["replace"]({"k": ["a.b", 1]}, {".": "/"}) == {"k": ["a/b", "1"]}
    assert F["replace"]("2024-01-31", {"(?<y>\\d{4})-(\\d\\d)-(\\d\\d)": "${y}/$2"}, regexp=True) == "2024/01"
    assert F["replace"]("a.b", {".": "x"}, regexp=True) == "xxx"
    assert F["replace"]("cost", {"cost": "\\$5"}, regexp=True) == "$5"
    with pytest.raises(TemplateError, match="replace_pairs"):
        F["replace"]("x")
    with pytest.raises(TemplateError, match="Invalid regular expression"):
        F["replace"]("x", {"(": "y"}, regexp=True)
    with pytest.raises(TemplateError, match="too large"):
        F["replace"]("a" * 4_000_000, {"": "bbbbbb"})


def test_urlencode_urldecode():  # UrlDecodeFilter.urldecode
    assert F["urlencode"]("Kestra rulez !") == "Kestra+rulez+%21"
    assert F["urldecode"](F["urlencode"]("Kestra rulez !")) == "Kestra rulez !"
    assert F["urlencode"]("a*b~c/é") == "a*b%7Ec%2F%C3%A9"
    with pytest.raises(TemplateError):
        F["urldecode"]("100%")


def test_hashes():  # Md5FilterTest / Sha1FilterTest / Sha512FilterTest (only "!= input" there)
    assert F["md5"]("hello") == "5d41402abc4b2a76b9719d911017c592"
    assert F["sha1"]("hello") == "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
    assert F["sha256"]("hello") == hashlib.sha256(b"hello").hexdigest()
    assert F["sha512"]("hello") == hashlib.sha512(b"hello").hexdigest()
    assert F["md5"](None) is None
    with pytest.raises(TemplateError, match="needs a string"):
        F["sha256"](12)


def test_base64():
    assert F["base64encode"]("test") == "dGVzdA=="
    assert F["base64decode"]("dGVzdA==") == "test"
    assert F["base64encode"](None) is None
    with pytest.raises(TemplateError, match="Base64"):
        F["base64decode"]("***")


def test_indent_IndentFilterTest():  # IndentFilterTest.*
    ind = F["indent"]
    assert ind(None, 2) is None
    assert ind("", 2) == ""
    assert ind("\n\n", 2) == "\n  \n  "
    assert ind("string", 2) == "string"
    assert ind(1, 2) == "1"
    assert ind("first line\r\nsecond line", 2) == "first line\r\n  second line"
    assert ind("first line\nsecond line", 2) == "first line\n  second line"
    assert ind("first line\rsecond line", 2) == "first line\r  second line"
    assert ind("first line\nsecond line", 2, "\t") == "first line\n\t\tsecond line"


def test_nindent_NindentFilterTest():  # NindentFilterTest.*
    nind = F["nindent"]
    assert nind(None, 2) is None
    assert nind("", 2) == ""
    assert nind("\n\n", 2) == "\n  \n  \n  "
    assert nind("string", 2) == "\n  string"
    assert nind(1, 2) == "\n  1"
    assert nind("first line\r\nsecond line", 2) == "\r\n  first line\r\n  second line"
    assert nind("first line\rsecond line", 2) == "\r  first line\r  second line"
    assert nind("first line\nsecond line", 2, prefix="\t") == "\n\t\tfirst line\n\t\tsecond line"


def test_indent_bounds():
    with pytest.raises(TemplateError, match="amount"):
        F["indent"]("a\nb")
    with pytest.raises(TemplateError, match=">= 0"):
        F["indent"]("a\nb", -1)
    with pytest.raises(TemplateError, match="<= 10000"):
        F["indent"]("a\nb", 10**12)
    with pytest.raises(TemplateError, match="too large"):
        F["nindent"]("\n" * 2_000_000, 10)


def test_abbreviate():  # Pebble AbbreviateFilter
    assert F["abbreviate"]("this is a long sentence.", 7) == "this..."
    assert F["abbreviate"]("short", 10) == "short"
    assert F["abbreviate"]("abcdef", 2) == "ab"
    assert F["abbreviate"]("abc", 1) == "abc"
    with pytest.raises(TemplateError):
        F["abbreviate"]("abc", -1)


def test_capitalize_and_title_keep_rest():  # Pebble CapitalizeFilter / TitleFilter
    assert F["capitalize"]("article tiTLE") == "Article tiTLE"
    assert F["capitalize"]("  hi") == "  Hi"
    assert F["title"]("article tiTLE") == "Article TiTLE"
    assert F["title"]("") == ""


def test_trim_lower_upper():
    assert F["trim"]("  \t x y \n") == "x y"
    assert F["trim"]("\u00a0x\u00a0") == "\u00a0x\u00a0"  # Java trim keeps non-ASCII spaces
    assert F["lower"]("AbC") == "abc"
    assert F["upper"]("AbC") == "ABC"
    assert F["upper"](True) == "TRUE"
    assert F["lower"](None) is None


def test_split_java_semantics():  # Pebble SplitFilter -> String.split(regex, limit)
    sp = F["split"]
    assert sp("one,two,three", ",") == ["one", "two", "three"]
    assert sp("one,two,three", ",", 2) == ["one", "two,three"]
    assert sp("a,b,,", ",") == ["a", "b"]
    assert sp("a,b,,", ",", -1) == ["a", "b", "", ""]
    assert sp(",a", ",") == ["", "a"]
    assert sp("a.b", ".") == []  # a regex, like Java
    assert sp("a.b", "\\.") == ["a", "b"]
    assert sp("a1b22c", "\\d+") == ["a", "b", "c"]
    assert sp("abc", "") == ["a", "b", "c"]
    assert sp("", ",") == [""]
    with pytest.raises(TemplateError, match="Invalid regular expression"):
        sp("a(b", "(")  # Java: PatternSyntaxException
    with pytest.raises(TemplateError, match="delimiter"):
        sp("a")
