"""Reading the services' management endpoints in tests: GET a URL, scrape /metrics of
several processes and sum their samples, group samples by labels."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import Counter
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.waiting import wait_for


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def scrape(urls: list[str]) -> dict[tuple[str, tuple], float]:
    """Samples summed over processes: (name, sorted labels) -> value."""
    total: Counter = Counter()
    for url in urls:
        status, body = get(url + "/metrics")
        assert status == 200, body
        for family in text_string_to_metric_families(body):
            for sample in family.samples:
                total[(sample.name, tuple(sorted(sample.labels.items())))] += sample.value
    return dict(total)


def by(samples: dict, name: str, *labels: str) -> dict[tuple, float]:
    out: Counter = Counter()
    for (sample, sample_labels), value in samples.items():
        if sample == name and value:
            values = dict(sample_labels)
            out[tuple(values[label] for label in labels)] += value
    return dict(out)


def series_names(url: str) -> set[str]:
    """The names of every sample a process's /metrics shows (`_total`, `_bucket`, ...)."""
    status, body = get(url + "/metrics")
    assert status == 200, body
    return {sample.name for family in text_string_to_metric_families(body)
            for sample in family.samples}



def results_handled(fleet: Any) -> float:
    """Task results the fleet's executors have handled (committed, or ignored as stale),
    from their metrics. A test reads it while its attempt runs, then waits for it to grow:
    the positive signal that the attempt's late result was handled, before asserting that
    it changed *nothing*."""
    executors = scrape(fleet.management_urls("executor"))
    return sum(by(executors, name, "kind").get(("task_result",), 0.0) for name in
               ("podium_executor_messages_total", "podium_executor_messages_ignored_total"))


def wait_result_handled(fleet: Any, before: float, timeout: float = 20.0) -> None:
    """Wait until the executors have handled one more task result than `before`."""
    wait_for(lambda: results_handled(fleet) > before, timeout,
             "the executors to handle the attempt's result")
