"""Excel and XML to and from ION, through flows on the embedded runtime."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl

from podium.common.models.state import State

EXCEL_FLOW = """
id: excel_round_trip
namespace: company.team
inputs:
  - id: file
    type: FILE
tasks:
  - id: to_ion
    type: io.kestra.plugin.serdes.csv.CsvToIon
    from: "{{ inputs.file }}"
  - id: to_excel
    type: io.kestra.plugin.serdes.excel.IonToExcel
    from:
      First: "{{ outputs.to_ion.uri }}"
      Second: "{{ outputs.to_ion.uri }}"
  - id: back
    type: io.kestra.plugin.serdes.excel.ExcelToIon
    from: "{{ outputs.to_excel.uri }}"
    sheetsTitle:
      - Second
"""


def test_ion_to_excel_sheets_and_back(flows, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("name,qty,note\nWidget,3,Formula:UPPER(\"x\")\nGadget,4,\\N\n")
    run = flows.run(EXCEL_FLOW, {"file": source})
    assert run.state is State.SUCCESS, run.logs()
    assert run.outputs("to_excel")["size"] == 4
    book = openpyxl.load_workbook(io.BytesIO(run.read(run.outputs("to_excel")["uri"])))
    assert book.sheetnames == ["First", "Second"]
    assert [[c.value for c in row] for row in book["First"].iter_rows()] == [
        ["name", "qty", "note"], ["Widget", "3", '=UPPER("x")'], ["Gadget", "4", "null"]]
    back = run.outputs("back")
    assert list(back["uris"]) == ["Second"] and back["size"] == 2
    # openpyxl stores no cached formula result, so the formula cell reads back empty.
    assert run.read(back["uris"]["Second"]).decode().splitlines() == [
        '{name:"Widget",qty:"3",note:null}', '{name:"Gadget",qty:"4",note:"null"}']


def test_excel_numbers_and_dates_read_as_kestra_reads_them(flows, tmp_path: Path) -> None:
    import datetime as dt
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["title row"])
    sheet.append(["id", "price", "day", "ok"])
    sheet.append([1, 2.5, dt.datetime(2024, 5, 6, 7, 8), True])
    sheet.append([2, None, None, False])
    path = tmp_path / "book.xlsx"
    book.save(path)
    run = flows.run("""
id: excel_read
namespace: company.team
inputs:
  - id: file
    type: FILE
tasks:
  - id: read
    type: io.kestra.plugin.serdes.excel.ExcelToIon
    from: "{{ inputs.file }}"
    skipRows: 1
  - id: serial
    type: io.kestra.plugin.serdes.excel.ExcelToIon
    from: "{{ inputs.file }}"
    skipRows: 1
    dateTimeRender: SERIAL_NUMBER
  - id: lists
    type: io.kestra.plugin.serdes.excel.ExcelToIon
    from: "{{ inputs.file }}"
    header: false
""", {"file": path})
    assert run.state is State.SUCCESS, run.logs()
    assert run.read(run.outputs("read")["uris"]["Data"]).decode().splitlines() == [
        '{id:1.0e0,price:2.5e0,day:"2024-05-06",ok:true}',
        '{id:2.0e0,price:null,day:null,ok:false}']
    serial = run.read(run.outputs("serial")["uris"]["Data"]).decode().splitlines()
    assert serial[0] == '{id:1.0e0,price:2.5e0,day:45418.29722222222e0,ok:true}'
    # Without a header, the first row's width is every row's (Kestra's lastCellNum).
    assert run.read(run.outputs("lists")["uris"]["Data"]).decode().splitlines() == [
        '["title row"]', '["id"]', "[1.0e0]", "[2.0e0]"]


XML = """<?xml version="1.0" encoding="UTF-8"?>
<catalog>
  <book id="b1"><title>Python</title><price>29.99</price><tags><tag>a</tag></tags></book>
  <book id="b2"><title lang="en">Java</title><price>15</price><instock>true</instock></book>
</catalog>
"""

XML_FLOW = """
id: xml_round_trip
namespace: company.team
inputs:
  - id: file
    type: FILE
tasks:
  - id: whole
    type: io.kestra.plugin.serdes.xml.XmlToIon
    from: "{{ inputs.file }}"
  - id: books
    type: io.kestra.plugin.serdes.xml.XmlToIon
    from: "{{ inputs.file }}"
    query: /catalog/book
    parserConfiguration:
      forceList: [tag]
  - id: to_xml
    type: io.kestra.plugin.serdes.xml.IonToXml
    from: "{{ outputs.books.uri }}"
    rootName: catalog
  - id: again
    type: io.kestra.plugin.serdes.xml.XmlToIon
    from: "{{ outputs.to_xml.uri }}"
"""


def test_xml_to_ion_and_back(flows, tmp_path: Path) -> None:
    source = tmp_path / "in.xml"
    source.write_text(XML)
    run = flows.run(XML_FLOW, {"file": source})
    assert run.state is State.SUCCESS, run.logs()
    books = ['{id:"b1",title:"Python",price:29.99,tags:{tag:["a"]}}',
             '{id:"b2",title:{lang:"en",content:"Java"},price:15,instock:true}']
    # The whole document is a list of books: its records are the books, as Kestra unwraps.
    assert run.read(run.outputs("whole")["uri"]).decode().splitlines() == [
        books[0].replace('["a"]', '"a"'), books[1]]
    assert run.read(run.outputs("books")["uri"]).decode().splitlines() == books
    xml = run.read(run.outputs("to_xml")["uri"]).decode()
    assert xml.startswith("<?xml version='1.0' encoding='UTF-8'?>\n<catalog>\n  <item>\n"
                          "    <id>b1</id>\n    <title>Python</title>\n")
    assert "<tags>\n      <tag>\n        <tag>a</tag>\n      </tag>\n    </tags>" in xml
    assert run.outputs("to_xml")["size"] == 2
    again = run.read(run.outputs("again")["uri"]).decode().splitlines()
    assert again[1] == books[1]


def test_invalid_xml_fails_naming_the_property(flows, tmp_path: Path) -> None:
    source = tmp_path / "in.xml"
    source.write_text("<a><b></a>")
    run = flows.run(XML_FLOW, {"file": source})
    assert run.state is State.FAILED
    assert "from: invalid XML: mismatched tag" in run.logs()


def test_ion_to_xml_in_another_charset_reads_back(flows, tmp_path: Path) -> None:
    source = tmp_path / "in.ion"
    source.write_text('{name:"café",n:1}\n', encoding="utf-8")
    run = flows.run("""
id: xml_latin1
namespace: company.team
inputs:
  - id: file
    type: FILE
tasks:
  - id: to_xml
    type: io.kestra.plugin.serdes.xml.IonToXml
    from: "{{ inputs.file }}"
    charset: ISO-8859-1
  - id: back
    type: io.kestra.plugin.serdes.xml.XmlToIon
    from: "{{ outputs.to_xml.uri }}"
    charset: ISO-8859-1
    query: /items/item
""", {"file": source})
    assert run.state is State.SUCCESS, run.logs()
    xml = run.read(run.outputs("to_xml")["uri"])
    assert xml.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>") and b"caf\xe9" in xml
    assert run.read(run.outputs("back")["uri"]).decode() == '{name:"café",n:1}\n'
