"""Kestra's @Example flows run: each one whose types are installed, with its dataset URL
(Kestra's Hugging Face datasets) pointed at a loopback HTTP server serving files made here
in the same formats. Their outputs are checked against what the files hold."""

from __future__ import annotations

import http.server
import io
import json
import re
import threading
from typing import Iterator

import fastavro
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from podium.common.models.state import State
from podium.common.plugins.registry import registry
from podium.common.settings import HttpSettings
from podium.worker.run_context import RunContext
from podium_serdes import plugin

DATASETS = "https://huggingface.co/datasets/kestra/datasets/raw/main/"
PRODUCTS = [{"product_id": 1, "product_name": "Widget", "price": 12.5},
            {"product_id": 2, "product_name": "Gadget", "price": 7.25}]


def _files() -> dict[str, bytes]:
    csv = "product_id,product_name,price\n" + "".join(
        f"{p['product_id']},{p['product_name']},{p['price']}\n" for p in PRODUCTS)
    avro = io.BytesIO()
    fastavro.writer(avro, fastavro.parse_schema({
        "type": "record", "name": "Product", "fields": [
            {"name": "product_id", "type": "long"}, {"name": "product_name", "type": "string"},
            {"name": "price", "type": "double"}]}), PRODUCTS)
    parquet = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(PRODUCTS), parquet)
    book = openpyxl.Workbook()
    book.active.append(list(PRODUCTS[0]))
    for product in PRODUCTS:
        book.active.append(list(product.values()))
    excel = io.BytesIO()
    book.save(excel)
    xml = "<products>" + "".join(
        f"<product><product_id>{p['product_id']}</product_id><product_name>"
        f"{p['product_name']}</product_name><price>{p['price']}</price></product>"
        for p in PRODUCTS) + "</products>"
    # The Ion-to-X examples average salaries per title, keeping titles with more than 10.
    salaries = "work_year,job_title,salary\n" + "".join(
        f"2023,{title},{base + 1000 * i}\n" for title, base in
        (("Data Engineer", 100000), ("Data Analyst", 70000)) for i in range(12))
    return {"csv/products.csv": csv.encode(), "csv/fruit.csv": b"fruit,color\napple,red\n",
            "csv/salaries.csv": salaries.encode(),
            "json/products.json": "\n".join(json.dumps(p) for p in PRODUCTS).encode(),
            "avro/products.avro": avro.getvalue(), "parquet/products.parquet": parquet.getvalue(),
            "excel/Products.xlsx": excel.getvalue(), "xml/products.xml": xml.encode()}


@pytest.fixture(scope="module")
def datasets() -> Iterator[str]:
    files = _files()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            body = files.get(self.path.lstrip("/"))
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


RUNNABLE = [(cls.TYPE, index, example) for cls in plugin.tasks
            for index, example in enumerate(cls.EXAMPLES) if DATASETS in example.code]


@pytest.mark.parametrize("type_name, index, example", RUNNABLE,
                         ids=[f"{t.rsplit('.', 1)[-1]}-{i}" for t, i, _ in RUNNABLE])
def test_kestras_example_runs(flows, datasets: str, monkeypatch, type_name: str, index: int,
                              example) -> None:
    names = set(re.findall(r"type:\s*([\w.]+)", example.code))
    missing = sorted(n for n in names if registry.canonical("task", n) is None)
    if missing:
        pytest.skip(f"needs other families' types: {', '.join(missing)}")
    # The loopback server is a private address: allowed for this test's HTTP tasks only.
    monkeypatch.setattr(RunContext, "http", HttpSettings(allow_hosts=["127.0.0.1"]))
    run = flows.run(example.code.replace(DATASETS, datasets))
    assert run.state is State.SUCCESS, run.logs()
    last = run.task_runs[-1].outputs or {}
    uri = last.get("uri") or next(iter(last["uris"].values()))
    data = run.read(uri)
    assert data, f"{type_name}: empty output"
    if uri.endswith(".ion"):
        text = data.decode()
        assert "Widget" in text and "Gadget" in text
        assert last["size"] == 2
    elif uri.endswith(".jsonl"):
        assert [json.loads(line) for line in data.decode().splitlines()] == [
            {k: str(v) for k, v in p.items()} for p in PRODUCTS]  # CSV cells are text
    elif uri.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(data))
        assert book.worksheets[0]["B2"].value == "Widget"
