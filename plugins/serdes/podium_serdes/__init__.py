"""Kestra's serdes plugins: CSV, JSON, Avro, Parquet, Excel and XML to and from ION, each
converted record by record (or row group by row group) so a large file never sits in
memory.

openpyxl, fastavro and pyarrow are imported by the code that converts, never at the top of
a module: the executor and the scheduler load these task classes to check flows, and those
libraries would cost each of them tens of MB they never use."""

from podium.sdk import Plugin

from .avro_to_ion import AvroToIon
from .csv_to_ion import CsvToIon
from .excel_to_ion import ExcelToIon
from .ion_to_avro import IonToAvro
from .ion_to_csv import IonToCsv
from .ion_to_excel import IonToExcel
from .ion_to_json import IonToJson
from .ion_to_parquet import IonToParquet
from .ion_to_xml import IonToXml
from .json_to_ion import JsonToIon
from .parquet_to_ion import ParquetToIon
from .xml_to_ion import XmlToIon

plugin = Plugin(
    name="serdes",
    title="Serialization",
    description="Convert files between CSV, JSON, Avro, Parquet, Excel, XML and ION.",
    tasks=(CsvToIon, IonToCsv, JsonToIon, IonToJson, AvroToIon, IonToAvro, ParquetToIon,
           IonToParquet, ExcelToIon, IonToExcel, XmlToIon, IonToXml),
)

__all__ = ["plugin"]
