"""Expectations of the corpus that a later Kestra release changed on purpose.

The corpus was written from Kestra's tests of December 2024 (0.21). Podium follows the
current release where the two disagree, and the issue asks for that behaviour explicitly;
an entry whose Java test was rewritten for the new behaviour is run against the new
expectation here, never skipped, and its report line says so. Each override names the
Kestra change it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Superseded:
    change: str  # the Kestra release and change that made the old expectation wrong
    expect: dict[str, Any]


# (file name, variant) -> the expectation of the current Kestra release.
SUPERSEDED: dict[tuple[str, str | None], Superseded] = {
    # KvFunctionTest#getKeyNotFound ran kv.yaml with `kv('my-key').field ?? null` as its first
    # task, which rendered '' while kv() defaulted to errorOnMissing=false. Kestra 0.22
    # (PR #7922, migration guide "KV function errors on missing key") made the default
    # true; `??` only rescues undefined attributes, so that first task now fails and the
    # flow stops there (the test became KvFunctionTest#shouldFailGivenNonExistingKeyUsingDefaults).
    ("kv.yaml", "v1"): Superseded(
        change="Kestra 0.22: kv() errorOnMissing defaults to true",
        expect={"state": "FAILED", "taskruns": 1, "checks": [
            {"path": "taskrun_list[0].state", "equals": "FAILED"},
            {"path": "taskrun_list[0].outputs", "absent": True}]}),
}


def superseded(file: str, variant: str | None) -> Superseded | None:
    return SUPERSEDED.get((file, variant))
