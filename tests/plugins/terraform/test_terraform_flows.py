"""TerraformCLI through real flows on the embedded runtime, running the real terraform on
configurations that need no provider download."""

from __future__ import annotations

import json

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State

MAIN_TF = """
        variable "who" { default = "world" }
        locals { greeting = "hello ${var.who}" }
        resource "terraform_data" "greeting" { input = local.greeting }
        output "greeting" { value = terraform_data.greeting.output }
        output "names" { value = [for n in ["a", "b"] : upper(n)] }
"""

APPLY_FLOW = """
id: tf_apply
namespace: tests.terraform
tasks:
  - id: tf
    type: io.kestra.plugin.terraform.cli.TerraformCLI
    containerImage: hashicorp/terraform:1.6.6
    inputFiles:
      main.tf: |
%s
    env:
      TF_VAR_who: "{{ flow.id }}"
    beforeCommands:
      - terraform init -input=false -no-color
    commands:
      - terraform apply -auto-approve -input=false -no-color
      - terraform output -json > outputs.json
      - 'echo "::{\\"outputs\\": {\\"terraform\\": $(terraform output -json | tr -d "\\n")}}::"'
    outputFiles:
      - outputs.json
      - terraform.tfstate
""" % MAIN_TF

# Kestra's blueprint terraform-approval-plan-apply without its S3 backend, email and pause:
# the plan is an output file, applied by a second task.
PLAN_APPLY_FLOW = """
id: tf_plan_apply
namespace: tests.terraform
tasks:
  - id: plan
    type: io.kestra.plugin.terraform.cli.TerraformCLI
    inputFiles:
      main.tf: |
%s
    outputFiles:
      - tfplan
    beforeCommands:
      - terraform init
    commands:
      - terraform plan -no-color -out=tfplan
  - id: apply
    type: io.kestra.plugin.terraform.cli.TerraformCLI
    inputFiles:
      tfplan: "{{ outputs.plan.outputFiles['tfplan'] }}"
      main.tf: |
%s
    beforeCommands:
      - terraform init
    commands:
      - terraform apply -no-color -auto-approve tfplan
""" % (MAIN_TF, MAIN_TF)

FAILING_FLOW = """
id: tf_failing
namespace: tests.terraform
tasks:
  - id: tf
    type: io.kestra.plugin.terraform.cli.TerraformCLI
    inputFiles:
      main.tf: |
        resource "terraform_data" "x" { input = var.undeclared }
    beforeCommands:
      - terraform init -no-color
    commands:
      - terraform validate -no-color
      - echo never
"""


def run(rt, source: str):
    loaded = parse_flow(source)
    rt.deploy(loaded)
    return rt.wait(rt.submit(loaded.flow.namespace, loaded.flow.id, {}).id, 300)


def messages(rt, execution, level: str | None = None) -> list[str]:
    return [e.message for e in rt.logs(execution.id) if level is None or e.level == level]


def outputs(rt, execution, task_id: str = "tf") -> dict:
    (task_run,) = [r for r in rt.task_runs(execution.id) if r.task_id == task_id]
    return task_run.outputs or {}


def read(rt, uri: str) -> str:
    with rt.storage.get(uri) as stream:
        return stream.read().decode()


@pytest.mark.terraform
def test_apply_and_outputs_come_back(rt, terraform):
    done = run(rt, APPLY_FLOW)
    lines = messages(rt, done)
    assert done.state is State.SUCCESS, "\n".join(lines[-30:])
    out = outputs(rt, done)
    assert out["exitCode"] == 0
    tf_outputs = json.loads(read(rt, out["outputFiles"]["outputs.json"]))
    assert tf_outputs["greeting"]["value"] == "hello tf_apply"
    assert tf_outputs["names"]["value"] == ["A", "B"]
    # The same through a `::{"outputs": ...}::` line: vars.
    assert out["vars"]["terraform"]["greeting"]["value"] == "hello tf_apply"
    state = json.loads(read(rt, out["outputFiles"]["terraform.tfstate"]))
    (resource,) = state["resources"]
    assert resource["type"] == "terraform_data"
    assert resource["instances"][0]["attributes"]["output"]["value"] == "hello tf_apply"
    assert "Apply complete! Resources: 1 added, 0 changed, 0 destroyed." in lines
    assert any("hashicorp/terraform:1.6.6" in line for line in messages(rt, done, "WARN"))


@pytest.mark.terraform
def test_a_saved_plan_is_applied_by_the_next_task(rt, terraform):
    done = run(rt, PLAN_APPLY_FLOW)
    lines = messages(rt, done)
    assert done.state is State.SUCCESS, "\n".join(lines[-30:])
    assert "tfplan" in outputs(rt, done, "plan")["outputFiles"]
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in lines
    assert 'greeting = "hello world"' in lines  # printed by the apply of the saved plan


@pytest.mark.terraform
def test_a_failing_command_stops_the_task(rt, terraform):
    done = run(rt, FAILING_FLOW)
    assert done.state is State.FAILED
    out = outputs(rt, done)
    assert out["exitCode"] == 1
    lines = messages(rt, done)
    assert any("Reference to undeclared input variable" in line for line in lines), lines
    assert "never" not in lines  # failFast
    assert "Command failed with exit code 1" in messages(rt, done, "ERROR")


def test_without_terraform_the_task_says_how_to_install_it(rt):
    flow = FAILING_FLOW.replace("tf_failing", "tf_missing").replace(
        "    beforeCommands:", "    env:\n      PATH: /nowhere\n    beforeCommands:")
    done = run(rt, flow)
    assert done.state is State.FAILED
    errors = messages(rt, done, "ERROR")
    assert any(line.startswith("terraform was not found on the worker: install Terraform")
               for line in errors), errors
    assert outputs(rt, done)["exitCode"] == 127
