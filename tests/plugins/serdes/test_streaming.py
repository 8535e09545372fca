"""The conversions stream: converting a file several times larger than what the process may
grow by, through CSV -> ION -> Parquet -> ION -> CSV, gives back the same file while the
peak resident memory rises by a fraction of the file's size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ROWS = 16_000  # about 27 MB of CSV and of ION (wide rows): ~6 s of CPU


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(),
                    reason="needs Linux's resettable peak RSS (/proc/self/clear_refs)")
def test_a_large_file_converts_in_bounded_memory(tmp_path: Path) -> None:
    # Its own process: the peak is reset after a warm-up conversion, so only this run counts.
    # Arrow's system allocator gives back what it frees (its default one caches), and one
    # malloc arena (not one per thread) keeps fragmentation low, so the peak shows what the
    # conversions hold, not an allocator's reserve.
    env = {**os.environ, "ARROW_DEFAULT_MEMORY_POOL": "system", "MALLOC_ARENA_MAX": "1",
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "tests.plugins.serdes.memory_probe",
                           str(ROWS), str(tmp_path)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["rows"] == ROWS and result["same"], result
    assert result["ion"] > 25_000_000
    # Held at any moment: a batch of rows and a row group, not the file.
    assert result["growth"] < result["ion"] / 4, result
