"""Hostile execution inputs (issue 14, "inputs"): every value is refused with a 422 (CLI:
exit 1) naming the input and the problem, nothing is stored, and the error holds no Python
repr, no internal path and none of the uploaded bytes. Through the REST API (multipart
form), `podium execution run --server` and `podium run`.

Decisions (docs/security.md, "Secrets and inputs"): text values are limited to
MAX_TEXT_CHARS; NUL characters, NaN / infinite FLOATs, BOOLEANs other than true/false and
values outside an optional ENUM / SELECT are refused (Kestra accepts them); undeclared
inputs are ignored and not stored, as Kestra does.
"""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from podium.common.inputs.parsing import MAX_TEXT_CHARS
from tests.security.conftest import stored

NAMESPACE = "sec.inputs"
FLOW_ID = "typed"
PIN = "hunter2-not-a-pin"
UPLOADED = b"UPLOADED-BYTES-0xdeadbeef"
FLOW = f"""
id: {FLOW_ID}
namespace: {NAMESPACE}
inputs:
  - {{id: s, type: STRING, required: false}}
  - {{id: v, type: STRING, required: false, validator: "^(a|a)*$"}}
  - {{id: i, type: INT, required: false}}
  - {{id: f, type: FLOAT, required: false}}
  - {{id: b, type: BOOLEAN, required: false}}
  - {{id: dt, type: DATETIME, required: false}}
  - {{id: d, type: DATE, required: false}}
  - {{id: t, type: TIME, required: false}}
  - {{id: du, type: DURATION, required: false}}
  - {{id: j, type: JSON, required: false}}
  - {{id: y, type: YAML, required: false}}
  - {{id: a, type: ARRAY, itemType: INT, required: false}}
  - {{id: e, type: ENUM, values: [A, B], required: false}}
  - {{id: sel, type: SELECT, values: [A, B], required: false}}
  - {{id: ms, type: MULTISELECT, values: [A, B], required: false}}
  - {{id: em, type: EMAIL, required: false}}
  - {{id: u, type: URI, required: false}}
  - {{id: pin, type: SECRET, required: false, validator: "^[0-9]{{4}}$"}}
  - {{id: file, type: FILE, required: false}}
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: started
"""

# (id, form fields, input named in the error, what the error says)
HOSTILE = [
    ("string_nul", {"s": "a\x00b"}, "s", "NUL"),
    ("string_huge", {"s": "x" * (MAX_TEXT_CHARS + 1)}, "s", f"limited to {MAX_TEXT_CHARS}"),
    ("int_out_of_range", {"i": "99999999999"}, "i", "out of the INT range"),
    ("int_decimal", {"i": "1.5"}, "i", "expected INT but received `1.5`"),
    ("float_nan", {"f": "NaN"}, "f", "NaN is not a number"),
    ("float_infinity", {"f": "-Infinity"}, "f", "out of the FLOAT range"),
    ("float_1e400", {"f": "1e400"}, "f", "out of the FLOAT range"),
    ("boolean_garbage", {"b": "yes"}, "b", "use true or false"),
    ("datetime_garbage", {"dt": "not-a-date"}, "dt", "ISO-8601 instant"),
    ("datetime_year_0", {"dt": "0000-01-01T00:00:00Z"}, "dt", "year 0 is out of range"),
    ("datetime_year_99999", {"dt": "99999-01-01T00:00:00Z"}, "dt", "expected DATETIME"),
    ("date_garbage", {"d": "2024-13-45"}, "d", "month must be in 1..12"),
    ("time_garbage", {"t": "25:61"}, "t", "hour must be in 0..23"),
    ("duration_huge", {"du": "P99999999999D"}, "du", "ISO-8601 duration"),
    ("duration_garbage", {"du": "five minutes"}, "du", "ISO-8601 duration"),
    ("json_deeply_nested", {"j": "[" * 100_000 + "]" * 100_000}, "j", "nested too deeply"),
    ("json_nan", {"j": "NaN"}, "j", "NaN is not valid JSON"),
    ("json_nul_escape", {"j": '{"k": "a\\u0000b"}'}, "j", "NUL character"),
    ("json_huge", {"j": '"' + "x" * MAX_TEXT_CHARS + '"'}, "j", "limited to"),
    ("yaml_alias", {"y": "a: &x [1]\nb: *x"}, "y", "anchors and aliases"),
    ("array_item_type", {"a": '[1, "x"]'}, "a", "Unable to parse array element as `INT`"),
    ("array_not_json", {"a": "1,2"}, "a", "use a JSON array"),
    ("enum_not_in_values", {"e": "C"}, "e", "it must match the values `[A, B]`"),
    ("select_not_in_values", {"sel": "C"}, "sel", "it must match the values `[A, B]`"),
    ("multiselect_not_in_values", {"ms": '["A", "C"]'}, "ms", "it must match the values"),
    ("email_garbage", {"em": "not an email"}, "em", "valid email"),
    ("uri_javascript", {"u": "javascript:alert(1)"}, "u", "expected URI"),
    ("validator_backtracking", {"v": "a" * 40 + "!"}, "v",
     "could not be checked against the pattern `^(a|a)*$` within 1 s"),
    ("secret_fails_validator", {"pin": PIN}, "pin", "received `******`"),
    ("secret_nul", {"pin": "12\x0034"}, "pin", "NUL"),
    ("file_as_text", {"file": "/etc/passwd"}, "file", "takes an uploaded file"),
]

# Never in an error: Python reprs, internal paths, the uploaded bytes, a SECRET's value.
FORBIDDEN = ["Traceback", "Upload(", "b'", "<class", "/work/", "site-packages", "NoneType",
             UPLOADED.decode(), PIN]


def _refused(response, input_id: str, fragment: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert f"`{input_id}`" in body["message"] and fragment in body["message"], body
    assert {"path": f"inputs.{input_id}"}.items() <= body["details"][0].items(), body
    for text in FORBIDDEN:
        assert text not in response.text, text


@pytest.fixture
def flow(api):
    response = api.post("/api/v1/flows", content=FLOW, headers={"content-type": "application/x-yaml"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("fields, input_id, fragment", [case[1:] for case in HOSTILE],
                         ids=[case[0] for case in HOSTILE])
def test_a_hostile_input_value_is_refused_by_the_api(api, runtime, flow, fields, input_id,
                                                      fragment):
    before = stored(runtime)
    started = time.monotonic()
    response = api.post(f"/api/v1/executions/{NAMESPACE}/{FLOW_ID}",
                        files={key: (None, value) for key, value in fields.items()})
    _refused(response, input_id, fragment)
    assert time.monotonic() - started < 15  # a validator is time-bounded
    assert stored(runtime) == before


def _multipart(filename: bytes, content: bytes = UPLOADED) -> tuple[bytes, dict]:
    """A form with one file part, its filename header written as given (no client
    escaping), as a hostile client sends it."""
    body = (b'--B0UND\r\nContent-Disposition: form-data; name="file"; filename="' + filename
            + b'"\r\nContent-Type: application/octet-stream\r\n\r\n' + content
            + b"\r\n--B0UND--\r\n")
    return body, {"content-type": "multipart/form-data; boundary=B0UND"}


@pytest.mark.parametrize("filename, fragment", [
    (b"../../etc/passwd", "cannot contain '/'"),
    (b"..", "'..' path segment"),
    (b"/etc/passwd", "cannot contain '/'"),
    (b"a\\..\\b.txt", "path separator"),
    (b"a\x00b.txt", "control character"),
    (b"a\nb.txt", "control character"),
    (b"%2e%2e", "percent-encoded"),
    (b"n" * 300 + b".txt", "longer than 255 bytes"),
], ids=["dot_dot_slash", "dot_dot", "absolute", "backslash", "nul", "newline", "percent_encoded",
        "too_long"])
def test_a_hostile_file_name_is_refused_without_echoing_the_upload(api, runtime, flow, filename,
                                                                   fragment):
    before = stored(runtime)
    body, headers = _multipart(filename)
    response = api.post(f"/api/v1/executions/{NAMESPACE}/{FLOW_ID}", content=body,
                        headers=headers)
    _refused(response, "file", fragment)
    assert stored(runtime) == before


def test_a_file_name_beyond_the_form_parser_limits_is_a_400(api, runtime, flow):
    before = stored(runtime)
    body, headers = _multipart(b"a" * 10_000 + b".txt")
    response = api.post(f"/api/v1/executions/{NAMESPACE}/{FLOW_ID}", content=body,
                        headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Invalid form body: Invalid multipart data."
    assert stored(runtime) == before


def test_a_non_utf8_file_name_is_stored_under_its_latin1_reading(api, runtime, flow):
    body, headers = _multipart(b"caf\xe9.txt")
    response = api.post(f"/api/v1/executions/{NAMESPACE}/{FLOW_ID}", content=body,
                        headers=headers)
    assert response.status_code == 200, response.text
    uri = response.json()["inputs"]["file"]
    assert uri.endswith("/inputs/file/caf\u00e9.txt") and "/executions/" in uri


def test_undeclared_inputs_are_ignored_and_not_stored(api, runtime, flow):
    response = api.post(f"/api/v1/executions/{NAMESPACE}/{FLOW_ID}",
                        files={"not_declared": (None, "x" * 100)})
    assert response.status_code == 200, response.text
    execution = runtime.get(response.json()["id"])
    assert "not_declared" not in json.dumps(execution.inputs)


def test_a_missing_required_file_is_named(api, runtime):
    source = FLOW.replace("{id: file, type: FILE, required: false}", "{id: file, type: FILE}")
    assert api.post("/api/v1/flows", content=source,
                    headers={"content-type": "application/x-yaml"}).status_code == 200
    before = stored(runtime)
    response = api.post(f"/api/v1/executions/{NAMESPACE}/{FLOW_ID}")
    _refused(response, "file", "missing required input")
    assert stored(runtime) == before


CLI_CASES = [case for case in HOSTILE if case[0] in {
    "string_nul", "int_out_of_range", "float_nan", "boolean_garbage", "duration_huge",
    "json_deeply_nested", "enum_not_in_values", "validator_backtracking",
    "secret_fails_validator"}]


@pytest.mark.parametrize("fields, input_id, fragment", [case[1:] for case in CLI_CASES],
                         ids=[case[0] for case in CLI_CASES])
def test_a_hostile_input_value_is_refused_by_the_cli_server_mode(cli, runtime, flow, fields,
                                                                 input_id, fragment):
    before = stored(runtime)
    args = [arg for key, value in fields.items() for arg in ("--input", f"{key}={value}")]
    result = cli("execution", "run", NAMESPACE, FLOW_ID, *args)
    assert result.exit_code == 1, result.output
    assert f"`{input_id}`" in result.output and fragment in result.output, result.output
    for text in FORBIDDEN:
        assert text not in result.output, text
    assert stored(runtime) == before


@pytest.mark.parametrize("fields, input_id, fragment", [case[1:] for case in CLI_CASES],
                         ids=[case[0] for case in CLI_CASES])
def test_a_hostile_input_value_is_refused_by_podium_run(local_cli, tmp_path, fields, input_id,
                                                        fragment):
    flow_file = tmp_path / "typed.yaml"
    flow_file.write_text(FLOW)
    data_dir = tmp_path / "run-data"
    args = [arg for key, value in fields.items() for arg in ("--input", f"{key}={value}")]
    result = local_cli("run", str(flow_file), "--data-dir", str(data_dir), *args)
    assert result.exit_code == 1, result.output
    assert f"`{input_id}`" in result.output and fragment in result.output, result.output
    for text in FORBIDDEN:
        assert text not in result.output, text
    with sqlite3.connect(data_dir / "podium.db") as db:  # the flow was deployed, no more
        assert db.execute("select count(*) from executions").fetchone() == (0,)
        assert db.execute("select count(*) from flows").fetchone() == (1,)
    assert [p for p in (data_dir / "storage").rglob("*") if p.is_file()] == []


def test_the_cli_uploads_a_hostile_local_file_name_and_is_refused(cli, runtime, flow, tmp_path):
    hostile = tmp_path / "evil\nname.txt"
    hostile.write_bytes(UPLOADED)
    before = stored(runtime)
    result = cli("execution", "run", NAMESPACE, FLOW_ID, "--input", f"file=@{hostile}")
    assert result.exit_code == 1, result.output
    assert "`file`" in result.output and "control character" in result.output, result.output
    for text in FORBIDDEN:
        assert text not in result.output, text
    assert stored(runtime) == before


def test_the_cli_names_a_missing_local_file(cli, runtime, flow, tmp_path):
    before = stored(runtime)
    result = cli("execution", "run", NAMESPACE, FLOW_ID, "--input",
                 f"file=@{tmp_path / 'absent.csv'}")
    assert result.exit_code == 2, result.output  # click's usage error
    assert "file: no file at" in result.output and "absent.csv" in result.output
    assert stored(runtime) == before
