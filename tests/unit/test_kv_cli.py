"""`podium kv get|set|list|delete` on the embedded default (a SQLite file in the data dir)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from podium.cli import main


@pytest.fixture
def kv(tmp_path, monkeypatch):
    monkeypatch.setenv("PODIUM_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PODIUM_DATABASE__URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, ["kv", *args])
    return invoke


def test_set_get_list_delete(kv, tmp_path):
    assert kv("set", "company.team", "n", "42").output == "company.team/n set (NUMBER)\n"
    assert kv("set", "company.team", "cfg", '{"a": 1}').exit_code == 0
    assert kv("set", "company.team", "text", "hello world", "--ttl", "PT1H").exit_code == 0
    assert kv("set", "company.team", "forced", "42", "--type", "string").exit_code == 0
    assert kv("get", "company.team", "n").output == "42\n"
    assert kv("get", "company.team", "cfg").output == '{"a": 1}\n'
    assert kv("get", "company.team", "text").output == "hello world\n"
    assert json.loads(kv("get", "company.team", "forced", "--output", "json").output)["type"] \
        == "STRING"
    listing = kv("list", "company.team").output.splitlines()
    assert [line.split()[:2] for line in listing] == \
        [["cfg", "JSON"], ["forced", "STRING"], ["n", "NUMBER"], ["text", "STRING"]]
    assert "expires" in listing[3]
    assert [e["key"] for e in json.loads(kv("list", "company.team", "--prefix", "f",
                                             "--output", "json").output)] == ["forced"]
    assert kv("delete", "company.team", "n").exit_code == 0
    missing = kv("get", "company.team", "n")
    assert missing.exit_code == 1 and "no value for key 'n'" in missing.output
    assert kv("delete", "company.team", "n").exit_code == 1
    assert (tmp_path / "podium.db").exists()


def test_errors_are_one_line_and_exit_1(kv):
    bad_key = kv("set", "company.team", "bad key", "v")
    assert bad_key.exit_code == 1 and "Invalid key 'bad key'" in bad_key.output
    bad_value = kv("set", "company.team", "k", "abc", "--type", "NUMBER")
    assert bad_value.exit_code == 1 and "Invalid NUMBER value 'abc'" in bad_value.output
    assert kv("set", "Not_A_Namespace!", "k", "v").exit_code == 2
    kv("set", "company.team", "k", "v")
    exists = kv("set", "company.team", "k", "w", "--no-overwrite")
    assert exists.exit_code == 1 and "already exists" in exists.output
