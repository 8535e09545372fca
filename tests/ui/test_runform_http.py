"""The run form over plain HTTP: a widget for every input type, defaults prefilled
(rendered when they are expressions), refusals next to their fields with nothing started,
a FILE upload reaching the execution as a kestra:// file, dependent inputs recomputed."""

from __future__ import annotations

import re

from podium.api.ui.runform_fields import raw_inputs
from podium.application import executions, flows
from podium.common.flow.loader import parse_flow
from podium.common.inputs import InputType
from tests.ui.conftest import csrf_of

HTMX = {"HX-Request": "true"}
URL = "/ui/flows/company.team/typed/run"

TYPED = """\
id: typed
namespace: company.team
inputs:
  - {id: name, type: STRING, displayName: Your name, description: "Who <asks>", defaults: ann}
  - {id: mail, type: EMAIL, required: false}
  - {id: site, type: URI, required: false}
  - {id: count, type: INT, min: 1, max: 10, defaults: 3}
  - {id: ratio, type: FLOAT, required: false, max: 1.5}
  - {id: flag, type: BOOLEAN, defaults: true}
  - {id: toggle, type: BOOL, required: false}
  - {id: color, type: SELECT, values: [red, green], defaults: green}
  - {id: size, type: SELECT, values: [S, M], allowCustomValue: true, required: false}
  - {id: tags, type: MULTISELECT, values: [a, b, c], defaults: [a, c]}
  - {id: level, type: ENUM, values: [low, high], required: false}
  - {id: at, type: DATETIME, required: false}
  - {id: day, type: DATE, defaults: "{{ '2024-05-06' }}"}
  - {id: clock, type: TIME, required: false}
  - {id: wait, type: DURATION, required: false}
  - {id: doc, type: JSON, required: false, defaults: {k: 1}}
  - {id: conf, type: YAML, required: false}
  - {id: list, type: ARRAY, itemType: INT, required: false}
  - {id: token, type: SECRET, required: false}
  - {id: upload, type: FILE, required: false}
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.name }}"
"""

DEPENDENT = """\
id: cascade
namespace: company.team
inputs:
  - {id: cloud, type: SELECT, values: [aws, gcp]}
  - id: region
    type: SELECT
    dependsOn: {inputs: [cloud]}
    expression: "{{ inputs.cloud == 'aws' ? ['us-east-1', 'eu-west-1'] : ['europe-west1'] }}"
  - id: account
    type: STRING
    required: false
    dependsOn: {inputs: [cloud], condition: "{{ inputs.cloud == 'aws' }}"}
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.region }}"
"""


def deploy(runtime, source: str) -> None:
    flows.deploy(runtime, parse_flow(source))


def post(user, url: str, data: dict, files: dict | None = None, headers: dict | None = None):
    token = csrf_of(user.get(url).text)
    return user.post(url, data=data, files=files, follow_redirects=False,
                     headers={"X-CSRF-Token": token, **(headers or {})})


def started(runtime, flow_id: str) -> int:
    return executions.search(runtime, namespace="company.team", flow_id=flow_id)[1]


def test_every_input_type_has_its_widget(runtime, user):
    deploy(runtime, TYPED)
    page = user.get(URL).text
    widgets = {
        "name": r'<input type="text" id="input-name" name="input:name" value="ann"',
        "mail": r'type="email" id="input-mail"', "site": r'type="url" id="input-site"',
        "count": r'type="number" id="input-count" name="input:count" value="3"\s+step="1" '
                 r'min="1" max="10"',
        "ratio": r'type="number" id="input-ratio" name="input:ratio" value=""\s+step="any" max="1.5"',
        "flag": r'<option value="true" selected>true</option>',
        "toggle": r'type="checkbox" id="input-toggle" name="input:toggle" value="true" >',
        "color": r'<option value="green" selected>green</option>',
        "size": r'<input id="input-size" name="input:size" value="" list="input-size-values">',
        "tags": r'name="input:tags" value="c" checked>',
        "level": r'<select id="input-level" name="input:level">',
        "at": r'type="datetime-local" id="input-at"',
        "day": r'type="date" id="input-day" name="input:day" value="2024-05-06"',
        "clock": r'type="time" id="input-clock"', "wait": r'placeholder="PT5M"',
        "doc": r'<textarea id="input-doc" name="input:doc" rows="4" class="run-code">\{\n  '
               r'&#34;k&#34;: 1\n\}</textarea>',
        "conf": r'<textarea id="input-conf"', "list": r'<textarea id="input-list"',
        "token": r'type="password" id="input-token"',
        "upload": r'type="file" id="input-upload" name="input:upload" hx-preserve',
    }
    for input_id, pattern in widgets.items():
        assert re.search(pattern, page), input_id
    assert "Your name" in page and "Who &lt;asks&gt;" in page  # escaped
    assert 'name="input:tags" value="b" >' in page  # not a default: unchecked
    assert 'class="run-required" title="required">*</span>' in page
    assert 'href="/ui/flows/company.team/typed/run" class="active">Run</a>' in page
    assert "/ui/flows/company.team/typed/run" in user.get("/ui/flows").text  # the Run link


def test_a_submission_starts_the_flow_with_typed_inputs_and_labels(runtime, user):
    deploy(runtime, TYPED)
    response = post(user, URL, {
        "input:name": "bob", "input:count": "7", "input:flag": "false",
        "input:toggle": ["false", "true"], "input:color": "red", "input:size": "XL",
        "input:tags": ["b"], "input:tags/custom": "", "input:at": "2024-01-02T03:04",
        "input:clock": "10:30", "input:wait": "PT5M", "input:list": "[1, 2]",
        "input:token": "hunter2", "labels": "team:data\nowner:me"})
    assert response.status_code == 303, response.text
    execution_id = response.headers["location"].rsplit("/", 1)[1]
    assert response.headers["location"] == f"/ui/executions/company.team/typed/{execution_id}"
    execution = executions.wait(runtime, execution_id, timeout=60)
    inputs = execution.inputs
    assert (inputs["name"], inputs["count"], inputs["flag"], inputs["toggle"]) == ("bob", 7, False, True)
    assert (inputs["color"], inputs["size"], inputs["tags"]) == ("red", "XL", ["b"])
    assert (inputs["at"], inputs["clock"], inputs["wait"], inputs["list"]) == (
        "2024-01-02T03:04:00Z", "10:30", "PT5M", [1, 2])
    assert inputs["day"] == "2024-05-06" and inputs["doc"] == {"k": 1}  # defaults
    assert inputs["token"] != "hunter2"  # sealed, as the API stores it
    labels = {label["key"]: label["value"] for label in execution.labels}
    assert labels["team"] == "data" and labels["owner"] == "me"


def test_bad_values_are_shown_by_their_fields_and_nothing_starts(runtime, user):
    deploy(runtime, TYPED)
    response = post(user, URL, {"input:name": "", "input:count": "11", "input:ratio": "abc",
                                "input:color": "blue", "input:mail": "nope",
                                "input:token": "s3cret-value"})
    assert response.status_code == 422
    page = response.text
    errors = dict(re.findall(r'<p class="run-error" id="error-([\w.-]+)">([^<]*)</p>', page))
    assert set(errors) == {"count", "ratio", "color", "mail"}, errors
    assert "less than `10`" in errors["count"] and "expected FLOAT" in errors["ratio"]
    assert "must match the values `[red, green]`" in errors["color"]
    assert 'value="11"' in page  # what was given is kept
    assert "s3cret-value" not in page  # a secret never comes back
    assert started(runtime, "typed") == 0
    control = post(user, URL, {"input:name": "a\x01b"})
    assert control.status_code == 422
    assert '<p class="run-error" id="error-name">control character' in control.text
    deploy(runtime, DEPENDENT)
    missing = post(user, "/ui/flows/company.team/cascade/run", {})
    assert missing.status_code == 422 and "missing required input" in missing.text
    assert started(runtime, "cascade") == 0


def test_bad_labels_and_no_csrf_start_nothing(runtime, user):
    deploy(runtime, TYPED)
    response = post(user, URL, {"labels": "no-colon"})
    assert response.status_code == 422 and "expected key:value" in response.text
    system = post(user, URL, {"labels": "system.correlationId:x"})
    assert system.status_code == 422 and "System labels" in system.text
    assert user.post(URL, data={"input:name": "x"}).status_code == 403
    assert started(runtime, "typed") == 0


def test_an_uploaded_file_reaches_the_execution(runtime, user):
    deploy(runtime, TYPED)
    response = post(user, URL, {"input:name": "f"},
                    files={"input:upload": ("notes.txt", b"file content", "text/plain")},
                    headers=HTMX)
    assert response.status_code == 204
    execution_id = response.headers["hx-redirect"].rsplit("/", 1)[1]
    uri = executions.wait(runtime, execution_id, timeout=60).inputs["upload"]
    assert uri.startswith("kestra:///company/team/typed/executions/") and uri.endswith("notes.txt")
    stream, _ = executions.open_file(runtime, execution_id, uri)
    with stream:
        assert stream.read() == b"file content"


def test_dependent_inputs_are_recomputed_shown_and_hidden(runtime, user):
    deploy(runtime, DEPENDENT)
    url = "/ui/flows/company.team/cascade/run"
    page = user.get(url).text
    assert 'hx-post="/ui/flows/company.team/cascade/run/fields"' in page  # cloud re-renders
    assert "input-account" not in page  # its condition needs a cloud
    token = csrf_of(page)
    headers = {**HTMX, "X-CSRF-Token": token}
    aws = user.post(f"{url}/fields", data={"input:cloud": "aws"}, headers=headers).text
    assert "<html" not in aws and "input-account" in aws
    assert re.findall(r'<option value="([\w-]+)"', aws) == ["aws", "gcp", "us-east-1", "eu-west-1"]
    gcp = user.post(f"{url}/fields", data={"input:cloud": "gcp", "input:account": "x"},
                    headers=headers).text
    assert "input-account" not in gcp
    assert re.findall(r'<option value="([\w-]+)"', gcp) == ["aws", "gcp", "europe-west1"]
    response = post(user, url, {"input:cloud": "gcp", "input:region": "us-east-1"})
    assert response.status_code == 422
    assert "must match the values `[europe-west1]`" in response.text
    done = post(user, url, {"input:cloud": "gcp", "input:region": "europe-west1"})
    execution = executions.wait(runtime, done.headers["location"].rsplit("/", 1)[1], timeout=60)
    assert execution.inputs == {"cloud": "gcp", "region": "europe-west1"}


def test_an_unknown_flow_is_a_404_page(user):
    assert user.get("/ui/flows/company.team/nope/run").status_code == 404
    token = csrf_of(user.get("/ui/flows").text)
    for path in ("run", "run/fields"):
        response = user.post(f"/ui/flows/company.team/nope/{path}", data={"input:x": "1"},
                             headers={"X-CSRF-Token": token})
        assert response.status_code == 404 and "not found" in response.text


class _Form(dict):
    def getlist(self, key):
        value = self.get(key, [])
        return value if isinstance(value, list) else [value]


def test_form_fields_become_the_values_the_api_would_take():
    flow = parse_flow(TYPED).flow
    form = _Form({"input:at": "2024-01-02T03:04:05", "input:toggle": ["false"],
                  "input:tags": ["a"], "input:tags/custom": "x\n\ny", "input:name": "",
                  "input:upload": "[object File]"})
    assert raw_inputs(flow.inputs, form) == {"at": "2024-01-02T03:04:05Z", "toggle": "false",
                                             "tags": ["a", "x", "y"]}
    assert {i.type for i in flow.inputs} == set(InputType)  # TYPED covers every type
