"""The plugin's declaration and Kestra's @Example flows: every example validates when the
types it names are installed (some name other families' types: those that are missing are
listed, not failed), and the legacy names still work."""

from __future__ import annotations

import re

import pytest

from podium.common.errors import FlowValidationError
from podium.common.flow.loader import parse_flow
from podium.common.plugins.registry import registry
from podium_serdes import plugin

TYPES = [cls.TYPE for cls in plugin.tasks]
EXAMPLES = [(cls.TYPE, index, example) for cls in plugin.tasks
            for index, example in enumerate(cls.EXAMPLES)]


def test_the_plugin_declares_kestras_types_in_order() -> None:
    assert TYPES == [
        "io.kestra.plugin.serdes.csv.CsvToIon", "io.kestra.plugin.serdes.csv.IonToCsv",
        "io.kestra.plugin.serdes.json.JsonToIon", "io.kestra.plugin.serdes.json.IonToJson",
        "io.kestra.plugin.serdes.avro.AvroToIon", "io.kestra.plugin.serdes.avro.IonToAvro",
        "io.kestra.plugin.serdes.parquet.ParquetToIon",
        "io.kestra.plugin.serdes.parquet.IonToParquet",
        "io.kestra.plugin.serdes.excel.ExcelToIon", "io.kestra.plugin.serdes.excel.IonToExcel",
        "io.kestra.plugin.serdes.xml.XmlToIon", "io.kestra.plugin.serdes.xml.IonToXml"]
    assert plugin.distribution == "" or plugin.distribution == "podium-plugin-serdes"
    for name in TYPES:
        assert registry.canonical("task", name) == name


@pytest.mark.parametrize("legacy, current", [
    ("io.kestra.plugin.serdes.csv.CsvReader", "io.kestra.plugin.serdes.csv.CsvToIon"),
    ("io.kestra.plugin.serdes.csv.CsvWriter", "io.kestra.plugin.serdes.csv.IonToCsv"),
    ("io.kestra.plugin.serdes.json.JsonReader", "io.kestra.plugin.serdes.json.JsonToIon"),
    ("io.kestra.plugin.serdes.json.JsonWriter", "io.kestra.plugin.serdes.json.IonToJson"),
    ("io.kestra.plugin.serdes.avro.AvroReader", "io.kestra.plugin.serdes.avro.AvroToIon"),
    ("io.kestra.plugin.serdes.avro.AvroWriter", "io.kestra.plugin.serdes.avro.IonToAvro"),
    ("io.kestra.plugin.serdes.parquet.ParquetReader",
     "io.kestra.plugin.serdes.parquet.ParquetToIon"),
    ("io.kestra.plugin.serdes.parquet.ParquetWriter",
     "io.kestra.plugin.serdes.parquet.IonToParquet"),
    ("io.kestra.plugin.serdes.xml.XmlReader", "io.kestra.plugin.serdes.xml.XmlToIon"),
    ("io.kestra.plugin.serdes.xml.XmlWriter", "io.kestra.plugin.serdes.xml.IonToXml"),
])
def test_legacy_names(legacy: str, current: str) -> None:
    assert registry.canonical("task", legacy) == current


@pytest.mark.parametrize("type_name, index, example", EXAMPLES,
                         ids=[f"{t.rsplit('.', 2)[-2]}.{t.rsplit('.', 1)[-1]}-{i}"
                              for t, i, _ in EXAMPLES])
def test_kestras_examples_validate(type_name: str, index: int, example) -> None:
    names = set(re.findall(r"type:\s*([\w.]+)", example.code))
    missing = sorted(n for n in names if registry.canonical("task", n) is None)
    if missing:
        pytest.skip(f"needs other families' types: {', '.join(missing)}")
    flow = parse_flow(example.code, name=f"{type_name} example {index}").flow
    assert type_name in [task.TYPE for task in flow.tasks]


def test_at_least_the_examples_of_serdes_and_core_types_validate() -> None:
    runnable = [e for _, _, e in EXAMPLES
                if all(registry.canonical("task", n) for n in
                       re.findall(r"type:\s*([\w.]+)", e.code))]
    assert len(runnable) >= 8  # the Download + conversion examples


@pytest.mark.parametrize("properties, message", [
    ({"onBadLines": "IGNORE"}, "onBadLines"),
    ({"unknownThing": 1}, "unknownThing"),
])
def test_bad_properties_are_refused_when_the_flow_is_saved(properties, message) -> None:
    extra = "".join(f"\n    {k}: {v}" for k, v in properties.items())
    code = ("id: bad\nnamespace: company.team\ntasks:\n  - id: t\n"
            "    type: io.kestra.plugin.serdes.csv.CsvToIon\n    from: x" + extra + "\n")
    with pytest.raises(FlowValidationError, match=message):
        parse_flow(code)
