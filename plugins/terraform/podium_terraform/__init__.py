"""Podium plugin `terraform`: Kestra's io.kestra.plugin.terraform.cli.TerraformCLI, running
the Terraform CLI as a local process of the worker through Podium's script machinery
(podium.sdk.scripts)."""

from podium.sdk import Plugin
from podium_terraform.cli import TerraformCLI

plugin = Plugin(
    name="terraform",
    title="Terraform",
    description="Run Terraform CLI commands (init, plan, apply, output...) with the "
                "terraform program of the worker.",
    tasks=(TerraformCLI,),
)
