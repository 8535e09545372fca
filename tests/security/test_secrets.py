"""Secrets stay masked when a flow transforms them (issue 14, "Secrets").

Each case runs a flow whose task renders a secret through a filter, an operator or a
function, and reads the logs back through the REST API (and the CLI): neither the secret
nor the transformed value may appear, the mask must. Kestra masks only the value secret()
returned (RunContextLogger); here what is computed from it is masked too
(common/templating/taint.py, docs/security.md "Secrets and inputs").
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.parse

import pytest

from podium.common.models.state import State
from podium.common.secrets import encode_base64
from podium.common.templating import RenderServices, render
from podium.runtime import Runtime

TOKEN = "Tr0ub4dor-and/3+Horses"
PRIVATE_KEY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
GCP_KEY = json.dumps({"type": "service_account", "project_id": "acme-prod",
                      "private_key": PRIVATE_KEY, "client_email": "bot@acme.iam"})
ENVIRON = {
    "SECRET_API_TOKEN": encode_base64(TOKEN),
    # Kestra's GCP recipe: the key is stored base64-encoded once more, decoded in the flow
    "SECRET_GCP_B64": encode_base64(base64.b64encode(GCP_KEY.encode()).decode()),
    "SECRET_GCP_JSON": encode_base64(GCP_KEY),
}
MASK = "**masked*"
NAMESPACE = "sec.secrets"


@pytest.fixture
def runtime(tmp_path):
    with Runtime.embedded(tmp_path / "data", workers=2, environ=ENVIRON) as runtime:
        yield runtime


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# (id, expression rendered in a Log message, the text that would show the secret)
TRANSFORMS = [
    ("plain", "{{ secret('API_TOKEN') }}", TOKEN),
    ("replace", "{{ secret('API_TOKEN') | replace({'Horses': 'Ponies'}) }}",
     TOKEN.replace("Horses", "Ponies")),
    ("upper", "{{ secret('API_TOKEN') | upper }}", TOKEN.upper()),
    ("lower", "{{ secret('API_TOKEN') | lower }}", TOKEN.lower()),
    ("capitalize", "{{ secret('API_TOKEN') | lower | capitalize }}", TOKEN.capitalize()),
    ("base64encode", "{{ secret('API_TOKEN') | base64encode }}", _b64(TOKEN)),
    ("urlencode", "{{ secret('API_TOKEN') | urlencode }}", urllib.parse.quote(TOKEN, safe="")),
    ("split_join", "{{ secret('API_TOKEN') | split('') | join(',') }}", ",".join(TOKEN)),
    ("reverse", "{{ secret('API_TOKEN') | reverse }}", TOKEN[::-1]),
    ("concat_suffix", "{{ secret('API_TOKEN') ~ '-suffix' }}", TOKEN),
    ("substring", "{{ secret('API_TOKEN') | substringAfter('-') }}", TOKEN.split("-", 1)[1]),
    ("slice", "{{ secret('API_TOKEN') | slice(1, 20) }}", TOKEN[1:20]),
    ("json_filter", "{{ secret('API_TOKEN') | json }}", json.dumps(TOKEN)),
    ("to_json_of_map", "{{ {'token': secret('API_TOKEN') | upper} | toJson }}", TOKEN.upper()),
    ("sha256", "{{ secret('API_TOKEN') | sha256 }}", hashlib.sha256(TOKEN.encode()).hexdigest()),
    ("plus_operator", "{{ secret('API_TOKEN') + '!' }}", TOKEN),
    ("repeat_operator", "{{ secret('API_TOKEN') | lower * 2 }}", TOKEN.lower()),
    ("bearer_header", "{{ 'Bearer ' ~ secret('API_TOKEN') }}", TOKEN),
    ("interpolation", "{{ \"key=#{secret('API_TOKEN') | lower}\" }}", TOKEN.lower()),
    ("filter_block", "{% filter upper %}{{ secret('API_TOKEN') }}{% endfilter %}",
     TOKEN.upper()),
    ("set_block_then_filter",
     "{% set t %}{{ secret('API_TOKEN') }}{% endset %}{{ t | lower }}", TOKEN.lower()),
    ("macro", "{% macro shout(v) %}{{ v | upper }}{% endmacro %}{{ shout(secret('API_TOKEN')) }}",
     TOKEN.upper()),
    ("letter_by_letter",
     "{% for c in secret('API_TOKEN') | split('') %}{{ c }}.{% endfor %}", ".".join(TOKEN)),
    ("base64decode_gcp", "{{ secret('GCP_B64') | base64decode }}", PRIVATE_KEY),
    ("json_field", "{{ fromJson(secret('GCP_JSON')).private_key | lower }}", PRIVATE_KEY.lower()),
    ("subkey", "{{ secret('GCP_JSON', subkey='private_key') | upper }}", PRIVATE_KEY.upper()),
]


@pytest.mark.parametrize("template, leaked", [case[1:] for case in TRANSFORMS],
                         ids=[case[0] for case in TRANSFORMS])
def test_each_leaked_form_is_what_the_template_computes(template, leaked):
    # keeps the table honest: unmasked, each template does print its leaked form
    secrets = {key[len("SECRET_"):]: base64.b64decode(value).decode()
               for key, value in ENVIRON.items()}
    services = RenderServices(secret=lambda key, namespace=None: secrets[key])
    assert leaked in render(template, {"flow": {"namespace": NAMESPACE}}, services)


def _flow(flow_id: str, message: str) -> str:
    return json.dumps({"id": flow_id, "namespace": NAMESPACE, "tasks": [
        {"id": "log", "type": "io.kestra.plugin.core.log.Log", "message": message}]})


def _run(api, runtime, source: str, flow_id: str):
    deployed = api.post("/api/v1/flows", content=source,
                        headers={"content-type": "application/x-yaml"})
    assert deployed.status_code == 200, deployed.text
    created = api.post(f"/api/v1/executions/{NAMESPACE}/{flow_id}")
    assert created.status_code == 200, created.text
    return runtime.wait(created.json()["id"], timeout=60)


@pytest.mark.parametrize("template, leaked", [case[1:] for case in TRANSFORMS],
                         ids=[case[0] for case in TRANSFORMS])
def test_a_transformed_secret_is_masked_in_the_logs_api(api, runtime, template, leaked):
    final = _run(api, runtime, _flow("transform", template), "transform")
    assert final.state is State.SUCCESS
    response = api.get(f"/api/v1/logs/{final.id}")
    assert response.status_code == 200
    messages = [entry["message"] for entry in response.json()]
    assert any(MASK in message for message in messages), messages
    text = json.dumps(messages)
    assert leaked not in text and TOKEN not in text and PRIVATE_KEY not in text, messages
    download = api.get(f"/api/v1/logs/{final.id}/download")
    assert download.status_code == 200 and leaked not in download.text


def test_a_failing_task_s_error_masks_the_transformed_secret(api, runtime):
    source = json.dumps({"id": "fails", "namespace": NAMESPACE, "tasks": [
        {"id": "fail", "type": "io.kestra.plugin.core.execution.Fail",
         "errorMessage": "refused with {{ secret('API_TOKEN') | upper | replace({'-': '_'}) }}"}]})
    final = _run(api, runtime, source, "fails")
    assert final.state is State.FAILED
    leaked = TOKEN.upper().replace("-", "_")
    logs = api.get(f"/api/v1/logs/{final.id}").json()
    execution = api.get(f"/api/v1/executions/{final.id}").json()
    assert any("refused with " + MASK in entry["message"] for entry in logs), logs
    assert leaked not in json.dumps(logs) and leaked not in json.dumps(execution)


def test_a_render_error_on_a_transformed_secret_masks_it(api, runtime):
    # `number` fails on the text and quotes it in its message
    final = _run(api, runtime, _flow("bad_number", "{{ secret('API_TOKEN') | upper | number }}"),
                 "bad_number")
    assert final.state is State.FAILED
    logs = json.dumps(api.get(f"/api/v1/logs/{final.id}").json())
    assert "not a valid number" in logs and MASK in logs
    assert TOKEN.upper() not in logs


def test_a_script_echoing_an_env_var_set_from_a_transformed_secret_is_masked(api, runtime):
    source = json.dumps({"id": "script", "namespace": NAMESPACE, "tasks": [
        {"id": "sh", "type": "io.kestra.plugin.scripts.shell.Commands",
         "env": {"TOKEN": "{{ secret('API_TOKEN') | lower }}"},
         "commands": ['echo "token is $TOKEN"']}]})
    final = _run(api, runtime, source, "script")
    assert final.state is State.SUCCESS
    messages = [entry["message"] for entry in api.get(f"/api/v1/logs/{final.id}").json()]
    assert "token is " + MASK + "*" * (len(TOKEN) - 9) in messages, messages
    assert TOKEN.lower() not in json.dumps(messages)


def test_what_a_secret_computes_that_is_not_text_is_not_masked(api, runtime):
    # numbers and booleans derived from a secret are kept (docs/security.md)
    message = "{{ secret('API_TOKEN') | length }} {{ secret('API_TOKEN') | upper is empty }}"
    final = _run(api, runtime, _flow("length", message), "length")
    messages = [entry["message"] for entry in api.get(f"/api/v1/logs/{final.id}").json()]
    assert f"{len(TOKEN)} false" in messages


def test_a_json_secret_masks_only_the_fields_a_flow_prints(api, runtime):
    message = ("{{ fromJson(secret('GCP_JSON')).private_key }} "
               "{{ fromJson(secret('GCP_JSON')).type == 'service_account' }} service_account")
    final = _run(api, runtime, _flow("fields", message), "fields")
    messages = [entry["message"] for entry in api.get(f"/api/v1/logs/{final.id}").json()]
    assert any(m.startswith(MASK) and m.endswith(" true service_account") for m in messages), \
        messages


@pytest.mark.parametrize("template, leaked", [
    ("{{ secret('API_TOKEN') | upper }}", TOKEN.upper()),
    ("{{ secret('API_TOKEN') | split('') | join(',') }}", ",".join(TOKEN)),
], ids=["upper", "split_join"])
def test_the_cli_prints_transformed_secrets_masked(api, runtime, cli, template, leaked):
    final = _run(api, runtime, _flow("cli_logs", template), "cli_logs")
    result = cli("execution", "logs", final.id)
    assert result.exit_code == 0, result.output
    assert MASK in result.output and leaked not in result.output and TOKEN not in result.output


def test_a_transformed_secret_input_is_masked(api, runtime):
    password = "Correct-Horse-Battery"
    source = json.dumps({"id": "secret_input", "namespace": NAMESPACE,
                         "inputs": [{"id": "pw", "type": "SECRET"}],
                         "tasks": [{"id": "log", "type": "io.kestra.plugin.core.log.Log",
                                    "message": "{{ inputs.pw | lower | base64encode }}"}]})
    assert api.post("/api/v1/flows", content=source,
                    headers={"content-type": "application/x-yaml"}).status_code == 200
    created = api.post(f"/api/v1/executions/{NAMESPACE}/secret_input",
                       files={"pw": (None, password)})
    assert created.status_code == 200, created.text
    final = runtime.wait(created.json()["id"], timeout=60)
    assert final.state is State.SUCCESS
    messages = [entry["message"] for entry in api.get(f"/api/v1/logs/{final.id}").json()]
    assert any(m.startswith(MASK) for m in messages), messages
    assert _b64(password.lower()) not in json.dumps(messages)
