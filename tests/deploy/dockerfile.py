"""A small Dockerfile reader: enough to check the instructions that matter, not a parser of
the whole syntax (heredocs and parser directives are not needed by deploy/Dockerfile)."""

from __future__ import annotations

import json
from typing import NamedTuple


class Instruction(NamedTuple):
    keyword: str  # upper-cased: FROM, RUN, USER...
    args: str     # the rest, continuation lines joined


def parse(text: str) -> list[Instruction]:
    instructions, pending = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue  # comments may sit between continuation lines
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, args = (pending + stripped).partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip()))
        pending = ""
    return instructions


def exec_form(args: str) -> list[str] | None:
    """The JSON array of an exec-form ENTRYPOINT/CMD, or None for the shell form (which
    runs under /bin/sh -c, so SIGTERM would reach the shell, not podium)."""
    try:
        value = json.loads(args)
    except json.JSONDecodeError:
        return None
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    return None


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    """The instructions of the last stage: what the image that ships is made of."""
    starts = [i for i, ins in enumerate(instructions) if ins.keyword == "FROM"]
    return instructions[starts[-1]:] if starts else instructions


def problems(text: str) -> list[str]:
    """What is wrong with a Dockerfile for Podium's image; empty when nothing is."""
    found = []
    stage = final_stage(parse(text))
    users = [ins.args for ins in stage if ins.keyword == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        found.append("the image must end as a non-root USER")
    elif not users[-1].split(":")[0].isdigit():
        found.append("USER should be numeric so Kubernetes' runAsNonRoot can verify it")
    for keyword in ("ENTRYPOINT", "CMD"):
        last = [ins.args for ins in stage if ins.keyword == keyword][-1:]
        if not last or exec_form(last[0]) is None:
            found.append(f"{keyword} must be an exec-form JSON array")
    for ins in parse(text):
        if ins.keyword == "ADD" and "://" in ins.args:
            found.append(f"ADD of a remote URL: {ins.args}")
    exposed = {p.split("/")[0] for ins in stage if ins.keyword == "EXPOSE" for p in ins.args.split()}
    missing = {"8080", "9101", "9102", "9103", "9104"} - exposed
    if missing:
        found.append(f"ports not exposed: {sorted(missing)}")
    return found
