"""Kestra's @Example flows, unchanged (validated by the tests)."""

from podium.sdk import Example

BUILD = (
    Example(title='Build and push a Docker image to a registry', full=True, code="""
id: docker_build
namespace: company.team

tasks:
  - id: build
    type: io.kestra.plugin.docker.cli.Build
    push: true
    dockerfile: |
      FROM ubuntu
      ARG APT_PACKAGES=""
      RUN apt-get update && apt-get install -y --no-install-recommends ${APT_PACKAGES};
    platforms:
      - linux/amd64
    tags:
      - private-registry.io/unit-test:latest
    buildArgs:
      APT_PACKAGES: curl
    labels:
      unit-test: "true"
    credentials:
      registry: <registry.url.com>
      username: "{{ secret('DOCKERHUB_USERNAME') }}"
      password: "{{ secret('DOCKERHUB_PASSWORD') }}"
"""),
    Example(title='Build and push a docker image to DockerHub', full=True, code="""
id: build_dockerhub_image
namespace: company.team

tasks:
  - id: build
    type: io.kestra.plugin.docker.cli.Build
    dockerfile: |
      FROM python:3.10
      RUN pip install --upgrade pip
      RUN pip install --no-cache-dir kestra requests "polars[all]"
    tags:
      - kestra/polars:latest
    push: true
    credentials:
      registry: https://index.docker.io/v1/
      username: "{{ secret('DOCKERHUB_USERNAME') }}"
      password: "{{ secret('DOCKERHUB_PASSWORD') }}"
"""),
    Example(title='Build a Docker image and push it to GitHub Container Registry (ghcr.io)', full=True, code="""
id: build_github_container_image
namespace: company.team

tasks:
  - id: build
    type: io.kestra.plugin.docker.cli.Build
    dockerfile: |
      FROM python:3.10
      RUN pip install --upgrade pip
      RUN pip install --no-cache-dir kestra requests "polars[all]"
    tags:
      - ghcr.io/kestra-io/polars:latest
    push: true
    credentials:
      username: kestra-io
      password: "{{ secret('GITHUB_ACCESS_TOKEN') }}"
"""),
    Example(title='Build a Docker image and use it with Python script using a Docker Task Runner', full=True, code="""
id: build_task_runner_image
namespace: company.team

tasks:
  - id: build
    type: io.kestra.plugin.docker.cli.Build
    tags:
      - my-py-data-app
    dockerfile: |
      FROM python:3.12-slim
      WORKDIR /app
      RUN pip install --no-cache-dir pandas
      COPY . /app

  - id: python
    type: io.kestra.plugin.scripts.python.Commands
    containerImage: "{{ outputs.build.imageId }}"
    taskRunner:
      type: io.kestra.plugin.scripts.runner.docker.Docker
      pullPolicy: NEVER
    namespaceFiles:
      enabled: true
    commands:
      - python main.py
"""),
)

RUN = (
    Example(title='Run the alpine container with no command', full=True, code="""
id: docker_run
namespace: company.team

tasks:
  - id: run
    type: io.kestra.plugin.docker.cli.Run
    containerImage: alpine:latest
"""),
    Example(title='Run the docker/opentelemetry with commands and config file', full=True, code="""
id: docker_run
namespace: company.team

tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: |
         extensions:
           health_check: {}

         receivers:
           otlp:
             protocols:
               grpc:
                 endpoint: 0.0.0.0:4317
               http:
                 endpoint: 0.0.0.0:4318

         exporters:
           debug: {}

         service:
           pipelines:
             logs:
               receivers: [otlp]
               exporters: [debug]
    extension: .yaml

  - id: run
    type: io.kestra.plugin.docker.cli.Run
    containerImage: otel/opentelemetry-collector:latest
    inputFiles:
      otel.yaml: "{{ outputs.write.uri }}"
    commands:
      - --config
      - otel.yaml
    portBindings:
      - "4318:4318"
    wait: false
"""),
    Example(title='Run Docker with Ubuntu image, run shell commands to create a file, log the output in Kestra', full=True, code="""
id: docker_run_with_output_file
namespace: company.team

inputs:
  - id: greetings
    type: STRING
    defaults: HELLO WORLD !!

tasks:
  - id: docker_run_output_file
    type: io.kestra.plugin.docker.cli.Run
    containerImage: ubuntu:22.04
    commands:
      - "/bin/sh"
      - "-c"
      - echo {{ inputs.greetings }} > file.txt
    outputFiles:
      - file.txt

  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ read(outputs.docker_run_output_file.outputFiles['file.txt']) }}"
"""),
)
