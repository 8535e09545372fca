"""A plugin written by someone else — the complete example of docs/plugins.md, read from the
page — built by pip from a temporary folder, found through its `podium.plugins` entry point,
run in its example flow, listed by `podium plugins list`; and an entry point that fails to
load, named in the error of a flow using its family."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BROKEN_ENTRY = 'broken = "podium_acme_missing:plugin"\n'


def doc_blocks() -> dict[str, str]:
    """The example's files: the page's toml block, and its python blocks told apart by what
    they define."""
    text = (ROOT / "docs" / "plugins.md").read_text()
    blocks = re.findall(r"```(toml|python)\n(.*?)```", text, re.S)
    toml = next(code for lang, code in blocks if lang == "toml")
    module = next(code for lang, code in blocks if "class CountWords" in code)
    package = next(code for lang, code in blocks if "plugin = Plugin(" in code)
    return {"pyproject.toml": toml, "podium_acme/count_words.py": module,
            "podium_acme/__init__.py": package}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The distribution, built and installed into a folder of its own (on PYTHONPATH for the
    podium processes below; this interpreter and the project's venv stay as they were)."""
    root = tmp_path_factory.mktemp("acme")
    source = root / "src"
    for name, code in doc_blocks().items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(code)
    pyproject = source / "pyproject.toml"
    pyproject.write_text(pyproject.read_text()
                         .replace('dependencies = ["podium"]', "dependencies = []")
                         .replace('acme = "podium_acme:plugin"\n',
                                  'acme = "podium_acme:plugin"\n' + BROKEN_ENTRY))
    target = root / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(source)],
                   check=True, capture_output=True, text=True)
    return target


def podium(site: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "PODIUM_HOME": str(tmp_path / "home")}
    return subprocess.run([sys.executable, "-m", "podium.cli", *args], env=env,
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)


def test_the_documented_plugin_runs_its_example_flow(site, tmp_path):
    module = doc_blocks()["podium_acme/count_words.py"]
    example = re.search(r'code="""\n(.*?)"""', module, re.S).group(1)
    assert yaml.safe_load(example)["tasks"][0]["type"] == "com.acme.CountWords"
    flow = tmp_path / "count.yaml"
    flow.write_text(example
                    + "  - id: echo\n"
                    + "    type: io.kestra.plugin.core.debug.Return\n"
                    + '    format: "{{ outputs.words.words }} words, {{ outputs.words.lines }}'
                    + ' lines"\n')
    text = tmp_path / "text.txt"
    text.write_text("the quick brown fox\njumps over\n\nthe lazy dog\n")
    done = podium(site, tmp_path, "run", str(flow), "--input", f"file=@{text}",
                  "--data-dir", str(tmp_path / "data"), "--output", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    runs = {run["taskId"]: run for run in json.loads(done.stdout)["taskRunList"]}
    assert runs["words"]["outputs"] == {"words": 9, "lines": 4}
    assert runs["echo"]["outputs"]["value"] == "9 words, 4 lines"


def test_a_bad_property_value_fails_the_task_naming_it(site, tmp_path):
    flow = tmp_path / "bad.yaml"
    flow.write_text(textwrap.dedent("""\
        id: bad
        namespace: company.team
        tasks:
          - id: words
            type: com.acme.CountWords
            from: "kestra:///nowhere.txt"
            unit: PARAGRAPHS
        """))
    done = podium(site, tmp_path, "flow", "validate", str(flow))
    assert done.returncode == 1
    assert "tasks[0].unit" in done.stdout and "PARAGRAPHS" in done.stdout


def test_plugins_list_names_the_type_its_plugin_and_distribution(site, tmp_path):
    done = podium(site, tmp_path, "plugins", "list", "--output", "json")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    acme = next(p for p in listed["plugins"] if p["name"] == "acme")
    assert acme["tasks"] == [{"cls": "com.acme.CountWords", "deprecated": False}]
    assert (acme["distribution"], acme["version"]) == ("podium-plugin-acme", "1.0.0")
    assert listed["broken"] == [{"name": "broken", "distribution": "podium-plugin-acme",
                                 "error": "ModuleNotFoundError: No module named "
                                          "'podium_acme_missing'"}]
    table = podium(site, tmp_path, "plugins", "list", "--plugin", "acme").stdout
    assert re.search(r"com\.acme\.CountWords +task +acme +podium-plugin-acme +1\.0\.0", table)
    assert "plugin broken (podium-plugin-acme) failed to load" in table


def test_a_type_of_a_plugin_that_failed_to_load_says_so(site, tmp_path):
    """An `io.kestra.plugin.<family>` type whose plugin is installed but broken."""
    broken = tmp_path / "broken.yaml"
    broken.write_text(textwrap.dedent("""\
        id: b
        namespace: acme
        tasks:
          - id: q
            type: io.kestra.plugin.broken.Thing
        """))
    done = podium(site, tmp_path, "flow", "validate", str(broken))
    assert done.returncode == 1
    assert ("unknown task type 'io.kestra.plugin.broken.Thing': it belongs to the plugin "
            "'broken' (podium-plugin-acme), which is installed but failed to load: "
            "ModuleNotFoundError") in done.stdout
