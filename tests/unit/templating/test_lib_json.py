"""toJson/json, toIon, yaml, jq filters; fromJson/json, fromIon, yaml functions; json test.
Oracles: ToJsonFilterTest, ToIonFilterTest, YamlFilterTest, JqFilterTest, FromJsonFunctionTest,
FromIonFunctionTest, YamlFunctionTest."""

import datetime as dt

import pytest

from podium.common.errors import TemplateError
from podium.common.templating.library import FILTERS as F
from podium.common.templating.library import FUNCTIONS as FN
from podium.common.templating.library import TESTS as T

DATE = dt.datetime(2013, 9, 8, 16, 19, tzinfo=dt.timezone(dt.timedelta(hours=2)))
SECOND = {"string": "string", "int": 1, "float": 1.123, "list": ["string", 1, 1.123], "bool": True,
          "date": DATE, "map": {"string": "string", "int": 1, "float": 1.123}}


def test_to_json_toJsonFilter():  # ToJsonFilterTest.toJsonFilter
    tj = F["toJson"]
    assert tj("string") == '"string"'
    assert tj(1) == "1"
    assert tj(1.123) == "1.123"
    assert tj(["string", 1, 1.123]) == '["string",1,1.123]'
    assert tj(True) == "true"
    assert tj(DATE) == '"2013-09-08T16:19:00+02:00"'
    assert tj({"empty_object": {}}) == '{"empty_object":{}}'
    assert tj(None) == "null"
    out = tj(SECOND["map"])
    assert out.startswith("{") and '"int":1' in out and '"float":1.123' in out


def test_json_filter_alias_jsonFilter():  # ToJsonFilterTest.jsonFilter
    assert F["json"]("string") == '"string"'


def test_to_json_java_numbers_unicode_and_bounds():
    assert F["toJson"]({"big": 1e20, "u": "é\n"}) == '{"big":1.0E20,"u":"é\\n"}'
    deep: list = []
    cur = deep
    for _ in range(1000):
        cur.append([])
        cur = cur[0]
    with pytest.raises(TemplateError, match="nested deeper"):
        F["toJson"](deep)
    with pytest.raises(TemplateError, match="serialize"):
        F["toJson"](object())


def test_to_ion_toIonFilter():  # ToIonFilterTest.toIonFilter (Python has no 32-bit float)
    ti = F["toIon"]
    assert ti("string") == '"string"'
    assert ti(1) == "1"
    assert ti(1.123) == "1.123e0"
    assert ti(["string", 1, 1.5]) == '["string",1,1.5e0]'
    assert ti(True) == "true"
    assert ti({"empty_object": {}}) == "{empty_object:{}}"
    assert ti(None) == "null"
    out = ti(SECOND["map"])
    assert "int:1" in out and 'string:"string"' in out and out.startswith("{") and out.endswith("}")
    assert ti(DATE).startswith("2013-09-08T16:19:00+02:00")


def test_yaml_filter_map():  # YamlFilterTest.map
    y = F["yaml"]
    assert y("string") == "string\n"
    assert y(1) == "1\n"
    assert y(1.123) == "1.123\n"
    assert y(["string", 1, 1.123]) == " - string\n - 1\n - 1.123\n"
    assert y(True) == "true\n"
    assert y(DATE) == '"2013-09-08T16:19:00+02:00"\n'
    out = y(SECOND["map"])
    assert "int: 1\n" in out and "float: 1.123\n" in out and "string: string\n" in out
    assert y({"a": {"b": [1, {"c": "d"}]}}) == "a:\n  b:\n   - 1\n   - c: d\n"
    assert y({"s": "true", "n": "12", "e": ""}) == 's: "true"\n"n": "12"\ne: ""\n'
    assert y(None) == "null"


def test_jq_fromString_list_map():  # JqFilterTest.fromString / list / map / object
    jq = F["jq"]
    assert F["first"](jq([1, 2, 3], ".[0]")) == 1
    assert jq({"test": [1, 2, 3]}, ".test[0]") == [1]
    assert jq({"second": [1, 2, 3]}, ".second[]") == [1, 2, 3]
    vars_ = {"second": SECOND}
    assert jq(vars_, ".second.string") == ["string"]
    assert jq(vars_, ".second.float") == [1.123]
    assert jq(vars_, ".second.list") == [["string", 1, 1.123]]
    assert jq(vars_, ".second.bool") == [True]
    assert jq(vars_, ".second.date") == ["2013-09-08T16:19:00+02:00"]
    assert jq({"object": {"key": "value"}}, ".object")[0]["key"] == "value"
    assert jq('{"a": {"b": 1}}', ".a.b") == [1]
    assert jq({"null": None}, ".null") == [None]


def test_jq_errors():
    with pytest.raises(TemplateError, match="Invalid jq expression"):
        F["jq"]({}, ".[")
    with pytest.raises(TemplateError, match="Invalid json"):
        F["jq"]("{not json", ".")
    with pytest.raises(TemplateError, match="expression"):
        F["jq"]({})
    with pytest.raises(TemplateError, match="too many results"):
        F["jq"]({}, "range(2000000)")
    assert F["jq"](None, ".") is None


def test_from_json_fronJsonFunction():  # FromJsonFunctionTest.fronJsonFunction / exception
    fj = FN["fromJson"]
    assert fj('{"test1": 1, "test2": 2, "test3": 3}')["test1"] == 1
    assert fj('{"test1": [{"test1": 666}, 2, 3], "test2": 2, "test3": 3}')["test1"][0]["test1"] == 666
    assert fj("[1, 2, 3]")[0] == 1
    assert fj('{"empty_object":{}}') == {"empty_object": {}}
    assert fj(None) is None
    with pytest.raises(TemplateError, match="Invalid json"):
        fj("{not: json}")
    with pytest.raises(TemplateError, match="Invalid json"):
        fj("NaN")
    with pytest.raises(TemplateError, match="nested too deeply"):
        fj("[" * 100_000)
    with pytest.raises(TemplateError, match="string"):
        fj(12)
    with pytest.raises(TemplateError, match="expects an argument 'json'"):
        fj()


def test_json_function_alias_jsonFunction():  # FromJsonFunctionTest.jsonFunction
    assert FN["json"]('{"test1": 1, "test2": 2, "test3": 3}')["test1"] == 1


def test_from_ion_ionDecodeFunction():  # FromIonFunctionTest.ionDecodeFunction / exception
    fi = FN["fromIon"]
    assert fi('{date:2024-04-21T23:00:00.000Z, title:"Main_Page",views:109787}')["title"] == "Main_Page"
    assert fi(None) is None
    with pytest.raises(TemplateError, match="Invalid ion"):
        fi("{not: ion")
    with pytest.raises(TemplateError, match="expects an argument 'ion'"):
        fi()
    parsed = fi("{'a b': [1, 2.5, 1e0, null.int, true, sym, '''x''' '''y''', ann::z], c:(1 2)} // c")
    assert parsed["a b"][0] == 1 and parsed["a b"][2] == 1.0 and parsed["a b"][3] is None
    assert parsed["a b"][5:] == ["sym", "xy", "z"] and parsed["c"] == [1, 2]


def test_yaml_function_fromString():  # YamlFunctionTest.fromString
    doc = ("# comment\nstring: string\nint: 123\nbool: true\nfloat: 1.23\n"
           'instant: "1918-02-24T00:00:00Z"\ndate: "1991-08-20"\ntime: "23:59:59"\n'
           "object:\n  key: \"value\"\n  child:\n    key: \"value\"\narray:\n  - string\n"
           "reference: &ref\n    key: reference\ndefault: *ref\nplain_date: 1991-08-20\n")
    y = FN["yaml"](doc)
    assert y["string"] == "string" and y["int"] == 123 and y["bool"] is True and y["float"] == 1.23
    assert y["instant"] == "1918-02-24T00:00:00Z" and y["date"] == "1991-08-20" and y["time"] == "23:59:59"
    assert y["object"]["child"]["key"] == "value" and y["array"][0] == "string"
    assert y["default"]["key"] == "reference"
    assert y["plain_date"] == "1991-08-20"


def test_yaml_function_errors_and_alias_bomb():
    with pytest.raises(TemplateError, match="Invalid yaml"):
        FN["yaml"]("a: [unclosed")
    with pytest.raises(TemplateError, match="string"):
        FN["yaml"](None)
    bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        bomb += f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
    with pytest.raises(TemplateError, match="too many values"):
        FN["yaml"](bomb)


def test_json_test():
    assert T["json"]('{"a": 1}') is True
    assert T["json"]("[1, 2]") is True
    assert T["json"]("{a") is False
    assert T["json"](12) is False


def test_from_ion_first_row_or_all_rows():  # FromIonFunction: `allRows` (Kestra 2.0 guide)
    fi = FN["fromIon"]
    rows = '{id:1,body:{n:{m:1}}}\n{id:2,body:{n:{m:2}}}\n'
    assert fi(rows) == {"id": 1, "body": {"n": {"m": 1}}}  # the first row only
    assert [r["body"]["n"]["m"] for r in fi(rows, allRows=True)] == [1, 2]
    assert fi("{a:1}", allRows=True) == [{"a": 1}]
    assert fi("", allRows=True) == [] and fi("") is None
