"""The workerGroup -> queue rule is one function: the executor (task model), the worker
(RunTask's JSON task) and a worker's settings (its group) name the same queue."""

from __future__ import annotations

import pytest

from podium.common.settings import WorkerSettings
from podium.common.transport.base import task_queue
from podium.worker.service import task_adapter

LOG = {"id": "t", "type": "io.kestra.plugin.core.log.Log", "message": "hi"}


@pytest.mark.parametrize("worker_group, queue", [
    (None, "podium.worker"),
    ({"key": "gpu"}, "podium.worker.gpu"),
    ({"key": None}, "podium.worker"),
], ids=["no-group", "group", "group-without-key"])
def test_model_json_and_settings_name_the_same_queue(worker_group, queue):
    definition = dict(LOG, **({"workerGroup": worker_group} if worker_group else {}))
    model = task_adapter().validate_python(definition)
    assert task_queue(model) == queue
    assert task_queue(model.model_dump(by_alias=True, exclude_none=True)) == queue
    assert task_queue(definition) == queue
    key = (worker_group or {}).get("key")
    assert WorkerSettings(group=key).resolved_queues() == [queue]
