"""Kestra's @Example flows of TerraformCLI (kestra-io/plugin-terraform), shown by the plugin
API and validated by the tests."""

from podium.sdk import Example

TERRAFORM_CLI = (
    Example(title='Initialize Terraform, then create and apply the Terraform plan',
            code="""
id: git_terraform
namespace: company.team

tasks:
  - id: git
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: clone_repository
        type: io.kestra.plugin.git.Clone
        url: https://github.com/anna-geller/kestra-ci-cd
        branch: main

      - id: terraform
        type: io.kestra.plugin.terraform.cli.TerraformCLI
        beforeCommands:
          - terraform init
        inputFiles:
          terraform.tfvars: |
            username            = "cicd"
            password            = "{{ secret('CI_CD_PASSWORD') }}"
            hostname            = "https://demo.kestra.io"
        commands:
          - terraform plan
          - terraform apply -auto-approve
        env:
          AWS_ACCESS_KEY_ID: "{{ secret('AWS_ACCESS_KEY_ID') }}"
          AWS_SECRET_ACCESS_KEY: "{{ secret('AWS_SECRET_ACCESS_KEY') }}"
          AWS_DEFAULT_REGION: "{{ secret('AWS_DEFAULT_REGION') }}"
"""),
    Example(title='Pin Terraform version and run validate then plan',
            code="""
id: terraform_plan_only
namespace: company.team

tasks:
  - id: terraform
    type: io.kestra.plugin.terraform.cli.TerraformCLI
    containerImage: hashicorp/terraform:1.6.6
    beforeCommands:
      - terraform init -input=false
    commands:
      - terraform validate -no-color
      - terraform plan -input=false -no-color -out=tfplan
    env:
      TF_VAR_region: us-east-1
      TF_TOKEN_app_terraform_io: "{{ secret('TF_API_TOKEN') }}"
    outputFiles:
      - tfplan
"""),
)
