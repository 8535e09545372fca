"""deploy/Dockerfile: one image for every component, non-root, signals reach podium."""

from __future__ import annotations

from tests.deploy import dockerfile, paths

TEXT = paths.DOCKERFILE.read_text()


def test_dockerfile_has_no_problem():
    assert dockerfile.problems(TEXT) == []


def test_entrypoint_is_the_cli_and_default_command_is_standalone():
    stage = dockerfile.final_stage(dockerfile.parse(TEXT))
    entrypoint = [i.args for i in stage if i.keyword == "ENTRYPOINT"][-1]
    cmd = [i.args for i in stage if i.keyword == "CMD"][-1]
    assert dockerfile.exec_form(entrypoint) == ["podium"]
    assert dockerfile.exec_form(cmd) == ["server", "standalone"]


def test_multi_stage_on_python_311_slim_installs_a_wheel():
    froms = [i.args for i in dockerfile.parse(TEXT) if i.keyword == "FROM"]
    assert len(froms) >= 2 and all(f.startswith("python:3.11-slim") for f in froms)
    runs = " ".join(i.args for i in dockerfile.parse(TEXT) if i.keyword == "RUN")
    assert "pip wheel" in runs and "--no-index" in runs


def test_podium_is_installed_in_a_venv_of_its_own():
    # Script tasks use the system Python; the worker's packages must not be in it.
    stage = dockerfile.final_stage(dockerfile.parse(TEXT))
    runs = " ".join(i.args for i in stage if i.keyword == "RUN")
    assert "python -m venv /opt/podium" in runs and "/opt/podium/bin/pip install" in runs
    env = " ".join(i.args for i in stage if i.keyword == "ENV")
    assert "PATH=/opt/podium/bin:$PATH" in env


def test_every_package_the_wheel_needs_is_copied():
    # pyproject's packages.find includes these; a missing COPY gives an image without them.
    copied = {i.args.split()[0] for i in dockerfile.parse(TEXT) if i.keyword == "COPY"}
    for package in ("common", "executor", "worker", "scheduler", "api", "podium", "plugins"):
        assert package in copied, package


def test_dockerignore_keeps_the_context_small():
    ignored = (paths.REPO / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".tools"} <= set(ignored)


BROKEN = """
FROM python:3.11-slim
ADD https://example.com/podium.tar.gz /src
USER root
EXPOSE 8080
ENTRYPOINT podium
CMD ["server", "standalone"]
"""


def test_a_broken_dockerfile_is_rejected():
    found = " | ".join(dockerfile.problems(BROKEN))
    assert "non-root USER" in found
    assert "ENTRYPOINT must be an exec-form" in found
    assert "ADD of a remote URL" in found
    assert "9101" in found


def test_continuation_lines_and_comments_are_joined():
    parsed = dockerfile.parse("RUN a \\\n  # note\n  && b\nUSER 10001\n")
    assert parsed == [dockerfile.Instruction("RUN", "a  && b"), dockerfile.Instruction("USER", "10001")]
