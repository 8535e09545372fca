"""Which dbt the commands run (podium_dbt.locate), checked with a real /bin/sh."""

from __future__ import annotations

import os
import subprocess

from podium_dbt import locate


def fake_dbt(folder, word: str):
    (folder / "bin").mkdir(parents=True)
    program = folder / "bin" / "dbt"
    program.write_text(f"#!/bin/sh\necho {word} \"$@\"\n")
    program.chmod(0o755)
    return folder


def sh(script: str, path: str):
    return subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True,
                          env={"PATH": path})


def test_dbt_beside_the_worker_is_the_fallback(tmp_path):
    prefix = fake_dbt(tmp_path / "worker", "worker-dbt")
    folders = locate.fallback_folders(str(prefix), path="")
    assert folders == [str(prefix / "bin")]
    result = sh(locate.CHECK + "\ndbt build", os.pathsep.join(["/usr/bin:/bin", *folders]))
    assert result.stdout.strip() == "worker-dbt build"


def test_the_tasks_own_dbt_wins(tmp_path):
    worker = locate.fallback_folders(str(fake_dbt(tmp_path / "worker", "worker-dbt")), "")
    own = fake_dbt(tmp_path / "own", "own-dbt")
    path = os.pathsep.join([str(own / "bin"), "/usr/bin:/bin", *worker])
    assert sh(locate.CHECK + "\ndbt run", path).stdout.strip() == "own-dbt run"


def test_no_dbt_anywhere_fails_with_how_to_install_it(tmp_path):
    assert locate.fallback_folders(str(tmp_path), path="") == []
    result = sh(locate.CHECK + "\necho unreachable", "/usr/bin:/bin")
    assert result.returncode == 127
    assert "podium-plugin-dbt[duckdb]" in result.stderr
    assert "unreachable" not in result.stdout
