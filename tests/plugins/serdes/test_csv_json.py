"""CSV and JSON to and from ION, through flows on the embedded runtime."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podium.common.models.state import State

CSV_FLOW = """
id: csv_round_trip
namespace: company.team
inputs:
  - id: file
    type: FILE
tasks:
  - id: to_ion
    type: io.kestra.plugin.serdes.csv.CsvToIon
    from: "{{ inputs.file }}"
  - id: to_csv
    type: io.kestra.plugin.serdes.csv.IonToCsv
    from: "{{ outputs.to_ion.uri }}"
"""

CSV = ('id,name,price,note\n'
       '1,Widget,12.50,"has, a comma"\n'
       '2,"Gadget ""Pro""",7,\\N\n'
       '3,Thing,0.1,"two\nlines"\n')


def test_csv_to_ion_and_back_is_the_same_file(flows, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b"\xef\xbb\xbf" + CSV.encode())  # a BOM, which Kestra drops
    run = flows.run(CSV_FLOW, {"file": source})
    assert run.state is State.SUCCESS, run.logs()
    ion = run.read(run.outputs("to_ion")["uri"]).decode()
    assert ion.splitlines() == [
        '{id:"1",name:"Widget",price:"12.50",note:"has, a comma"}',
        '{id:"2",name:"Gadget \\"Pro\\"",price:"7",note:null}',
        '{id:"3",name:"Thing",price:"0.1",note:"two\\nlines"}',
    ]
    assert run.outputs("to_ion")["size"] == 3
    back = run.read(run.outputs("to_csv")["uri"]).decode()
    assert back == CSV.replace("\\N", "")  # null is written as an empty cell
    assert run.outputs("to_csv")["size"] == 3


OPTIONS_FLOW = """
id: csv_options
namespace: company.team
inputs:
  - id: file
    type: FILE
tasks:
  - id: to_ion
    type: io.kestra.plugin.serdes.csv.CsvToIon
    from: "{{ inputs.file }}"
    fieldSeparator: ";"
    skipRows: 1
    onBadLines: SKIP
    charset: ISO-8859-1
  - id: lists
    type: io.kestra.plugin.serdes.csv.CsvToIon
    from: "{{ inputs.file }}"
    header: false
    fieldSeparator: ";"
    charset: ISO-8859-1
  - id: to_csv
    type: io.kestra.plugin.serdes.csv.IonToCsv
    from: "{{ outputs.to_ion.uri }}"
    fieldSeparator: "|"
    quoteMode: NON_NUMERIC
    lineDelimiter: "\\r\\n"
"""


def test_csv_options(flows, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes("a;b\nskipped;x\ncafé;1.5\nbad\n2;x\n".encode("latin-1"))
    run = flows.run(OPTIONS_FLOW, {"file": source})
    assert run.state is State.SUCCESS, run.logs()
    assert run.read(run.outputs("to_ion")["uri"]).decode().splitlines() == [
        '{a:"café",b:"1.5"}', '{a:"2",b:"x"}']
    assert run.read(run.outputs("lists")["uri"]).decode().splitlines()[0] == '["a","b"]'
    assert run.read(run.outputs("to_csv")["uri"]).decode() == \
        '"a"|"b"\r\n"café"|1.5\r\n2|"x"\r\n'


def test_a_bad_line_fails_the_task_by_default(flows, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("a,b\n1,2\n3\n")
    run = flows.run(CSV_FLOW, {"file": source})
    assert run.state is State.FAILED
    assert "field count mismatch): Expected 2, got 1 fields" in run.logs()


JSON_FLOW = """
id: json_round_trip
namespace: company.team
inputs:
  - id: file
    type: FILE
tasks:
  - id: to_ion
    type: io.kestra.plugin.serdes.json.JsonToIon
    from: "{{ inputs.file }}"
  - id: to_jsonl
    type: io.kestra.plugin.serdes.json.IonToJson
    from: "{{ outputs.to_ion.uri }}"
  - id: to_array
    type: io.kestra.plugin.serdes.json.IonToJson
    from: "{{ outputs.to_ion.uri }}"
    newLine: false
  - id: from_array
    type: io.kestra.plugin.serdes.json.JsonToIon
    from: "{{ outputs.to_array.uri }}"
    newLine: false
"""

JSONL = ('{"id":1,"name":"Widget","price":12.5,"tags":["a","b"],"extra":null}\n'
         '{"id":2,"name":"Gadget é","price":-0.25,"nested":{"deep":true}}\n')


def test_json_lines_to_ion_and_back(flows, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(JSONL, encoding="utf-8")
    run = flows.run(JSON_FLOW, {"file": source})
    assert run.state is State.SUCCESS, run.logs()
    assert run.read(run.outputs("to_ion")["uri"]).decode().splitlines() == [
        '{id:1,name:"Widget",price:12.5e0,tags:["a","b"],extra:null}',
        '{id:2,name:"Gadget é",price:-0.25e0,nested:{deep:true}}']
    assert run.read(run.outputs("to_jsonl")["uri"]).decode() == JSONL
    assert run.read(run.outputs("to_array")["uri"]).decode() == \
        "[" + ",".join(JSONL.splitlines()) + "]"
    assert run.read(run.outputs("from_array")["uri"]) == run.read(run.outputs("to_ion")["uri"])
    assert run.outputs("from_array")["size"] == 2


BAD_FLOW = """
id: bad_properties
namespace: company.team
inputs:
  - id: file
    type: FILE
  - id: task
    type: STRING
tasks:
  - id: switch
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.task }}"
    cases:
      separator:
        - id: separator
          type: io.kestra.plugin.serdes.csv.CsvToIon
          from: "{{ inputs.file }}"
          fieldSeparator: ";;"
      charset:
        - id: charset
          type: io.kestra.plugin.serdes.json.JsonToIon
          from: "{{ inputs.file }}"
          charset: NOT-A-CHARSET
      schema:
        - id: schema
          type: io.kestra.plugin.serdes.avro.IonToAvro
          from: "{{ inputs.file }}"
          schema: "{ not json"
      json:
        - id: json
          type: io.kestra.plugin.serdes.json.JsonToIon
          from: "{{ inputs.file }}"
"""


@pytest.mark.parametrize("task, message", [
    ("separator", "fieldSeparator: expected one character, got ';;'"),
    ("charset", "charset: unknown charset 'NOT-A-CHARSET'"),
    ("schema", "schema: invalid Avro schema (not JSON)"),
    ("json", "from: invalid JSON at line 2"),
])
def test_bad_properties_and_input_fail_with_a_clear_message(flows, tmp_path: Path, task: str,
                                                            message: str) -> None:
    source = tmp_path / "in.txt"
    source.write_text('{"a": 1}\n{"a": \n')
    run = flows.run(BAD_FLOW, {"file": source}, {"task": task})
    assert run.state is State.FAILED
    logs = run.logs()
    assert message in logs
    assert "Traceback" not in logs


TYPED_FLOW = """
id: typed_csv
namespace: company.team
inputs:
  - id: file
    type: FILE
tasks:
  - id: default
    type: io.kestra.plugin.serdes.csv.IonToCsv
    from: "{{ inputs.file }}"
  - id: formats
    type: io.kestra.plugin.serdes.csv.IonToCsv
    from: "{{ inputs.file }}"
    header: false
    dateFormat: dd/MM/yyyy
    dateTimeFormat: "yyyy-MM-dd HH:mm:ss"
    alwaysDelimitText: true
  - id: json
    type: io.kestra.plugin.serdes.json.IonToJson
    from: "{{ inputs.file }}"
    timeZoneId: Europe/Paris
"""


def test_ion_values_are_written_as_kestra_writes_them(flows, tmp_path: Path) -> None:
    source = tmp_path / "in.ion"
    source.write_text('{at:2024-01-02T03:04:05.123Z,day:2024-01-02T,f:1.5e0,big:1e10,'
                      'dec:12.50,yes:true,none:null,list:[1,"a"]}\n')
    run = flows.run(TYPED_FLOW, {"file": source})
    assert run.state is State.SUCCESS, run.logs()
    assert run.read(run.outputs("default")["uri"]).decode() == (
        "at,day,f,big,dec,yes,none,list\n"
        '2024-01-02T03:04:05.123Z,2024-01-02,1.5,1.0E10,12.50,true,,"[1, a]"\n')
    assert run.read(run.outputs("formats")["uri"]).decode() == (
        '"2024-01-02 03:04:05","02/01/2024","1.5","1.0E10","12.50","true","","[1, a]"\n')
    assert json.loads(run.read(run.outputs("json")["uri"])) == {
        "at": "2024-01-02T04:04:05.123+01:00", "day": "2024-01-02", "f": 1.5, "big": 1e10,
        "dec": 12.5, "yes": True, "none": None, "list": [1, "a"]}
