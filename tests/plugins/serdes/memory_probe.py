"""Run in its own process by test_streaming.py: converts a generated CSV file through
CSV -> ION -> Parquet -> ION -> CSV with the task classes and prints, as JSON, the file
sizes and how far the process's peak resident memory rose above its level before.

Run alone: python -m tests.plugins.serdes.memory_probe ROWS FOLDER
(with ARROW_DEFAULT_MEMORY_POOL=system, as the test does, so that what Arrow frees is given
back rather than cached by its allocator and the peak shows what the conversion holds).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from podium_serdes.csv_to_ion import CsvToIon
from podium_serdes.ion_to_csv import IonToCsv
from podium_serdes.ion_to_parquet import IonToParquet
from podium_serdes.parquet_to_ion import ParquetToIon

# Small row groups, so that even the small file of the test has several: memory is bounded
# by a row group (and a batch of rows), not by the file.
ROW_GROUP_BYTES = 256 * 1024


class LocalContext:
    """The part of the RunContext the conversions use, on local files (the storage's own
    cost is not what is measured)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.context = folder, {}
        self.stored = folder / "stored"
        self.stored.mkdir(exist_ok=True)

    def render(self, value: Any, extra: Any = None) -> Any:
        return value

    @property
    def working_dir(self) -> Path:
        return self.folder

    def open_file(self, uri: str) -> Any:
        return open(uri, "rb")

    def put_file(self, path: Any, name: str | None = None) -> str:
        target = self.stored / Path(path).name
        shutil.move(str(path), target)
        return str(target)

    def metric(self, entry: dict[str, Any]) -> None:
        pass

    def log(self, level: Any, message: Any) -> None:
        print(level, message, file=sys.stderr)

    def check_killed(self) -> None:
        pass


NOTE = "lorem ipsum dolor sit amet " * 60  # wide rows: many bytes for few records


def write_csv(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("id,name,amount,day,note\n")
        for i in range(rows):
            out.write(f'{i},customer {i % 997},{i * 7 % 100000 / 100:.2f},2024-{i % 12 + 1:02d}-'
                      f'{i % 28 + 1:02d},"a note, with a comma #{i} {NOTE}"\n')


def convert(ctx: LocalContext, source: Path, tag: str) -> dict[str, int]:
    common = {"type": "x", "from": str(source)}
    ion = CsvToIon.model_validate({**common, "id": f"csv_{tag}"}).run(ctx)
    parquet = IonToParquet.model_validate({
        "id": f"parquet_{tag}", "type": "x", "from": ion["uri"], "rowGroupSize": ROW_GROUP_BYTES,
        "compressionCodec": "SNAPPY"}).run(ctx)
    back = ParquetToIon.model_validate({"id": f"ion_{tag}", "type": "x",
                                        "from": parquet["uri"]}).run(ctx)
    csv = IonToCsv.model_validate({"id": f"out_{tag}", "type": "x", "from": back["uri"]}).run(ctx)
    return {"csv": source.stat().st_size, "ion": Path(ion["uri"]).stat().st_size,
            "parquet": Path(parquet["uri"]).stat().st_size, "rows": csv["size"],
            "result": csv["uri"]}


def same_files(a: Path, b: Path) -> bool:
    with open(a, "rb") as one, open(b, "rb") as two:
        while True:
            x, y = one.read(1 << 20), two.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def main(rows: int, folder: Path) -> None:
    ctx = LocalContext(folder)
    small, big = folder / "small.csv", folder / "big.csv"
    write_csv(small, 2_000)
    write_csv(big, rows)
    convert(ctx, small, "warm")  # libraries loaded, caches filled
    Path("/proc/self/clear_refs").write_text("5")  # resets the peak (VmHWM) to now
    before = status("VmRSS")
    sizes = convert(ctx, big, "big")
    sizes["growth"] = status("VmHWM") - before
    sizes["same"] = same_files(Path(sizes.pop("result")), big)
    print(json.dumps(sizes))


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
    os._exit(0)
