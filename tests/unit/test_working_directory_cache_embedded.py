"""WorkingDirectory `cache` on the embedded runtime, with Kestra's own flow and the steps of
its WorkingDirectoryTest#cache: the first run finds no cache and leaves one, the second run
of the same flow finds hello.txt restored."""

from __future__ import annotations

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.storage import cache_uri
from podium.runtime import Runtime

FLOW = """
id: working-directory-cache
namespace: io.kestra.tests

tasks:
  - id: workingDir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    cache:
      ttl: PT5m
      patterns:
        - "*.txt"
    tasks:
      - id: exists
        type: io.kestra.plugin.core.storage.LocalFiles
        outputs:
          - hello.txt
      - id: inputFiles
        type: io.kestra.plugin.core.storage.LocalFiles
        inputs:
          hello.txt: |
            HELLO WORLD
"""


def _exists_outputs(rt, execution_id):
    return next(run.outputs for run in rt.task_runs(execution_id) if run.task_id == "exists")


def test_the_second_execution_finds_the_files_the_first_cached(tmp_path):
    archive = cache_uri("io.kestra.tests", "working-directory-cache", "workingDir")
    with Runtime.embedded(tmp_path) as rt:
        rt.deploy(parse_flow(FLOW))
        first = rt.wait(rt.submit("io.kestra.tests", "working-directory-cache").id, 20)
        assert first.state is State.SUCCESS
        assert len(rt.task_runs(first.id)) == 3
        assert _exists_outputs(rt, first.id) == {"uris": {}}
        assert rt.storage.exists(archive)
        assert archive == ("kestra:///io/kestra/tests/working-directory-cache/workingdir/"
                           "cache/cache.zip")  # where Kestra's test looks for it

        second = rt.wait(rt.submit("io.kestra.tests", "working-directory-cache").id, 20)
        assert second.state is State.SUCCESS
        uris = _exists_outputs(rt, second.id)["uris"]
        assert list(uris) == ["hello.txt"]
        assert rt.storage.read_bytes(uris["hello.txt"]) == b"HELLO WORLD\n"
