"""pluginDefaults are applied as Kestra applies them."""

from __future__ import annotations

import pytest

import podium.common.plugins  # noqa: F401
from podium.common.flow.plugin_defaults import apply_plugin_defaults, deep_merge

LOG = "io.kestra.plugin.core.log.Log"


def _flow(defaults, tasks):
    return {"id": "f", "namespace": "n", "pluginDefaults": defaults, "tasks": tasks}


def test_flow_value_wins_over_non_forced_default():
    flow = _flow([{"type": LOG, "values": {"level": "ERROR", "message": "d"}}],
                 [{"id": "a", "type": LOG, "message": "mine"}])
    task = apply_plugin_defaults(flow)["tasks"][0]
    assert task == {"id": "a", "type": LOG, "message": "mine", "level": "ERROR"}


def test_forced_default_wins_over_flow_value():
    flow = _flow([{"type": LOG, "forced": True, "values": {"message": "forced"}}],
                 [{"id": "a", "type": LOG, "message": "mine"}])
    assert apply_plugin_defaults(flow)["tasks"][0]["message"] == "forced"


def test_forced_defaults_lower_in_the_list_win():
    flow = _flow([{"type": LOG, "forced": True, "values": {"message": "first"}},
                  {"type": LOG, "forced": True, "values": {"message": "second"}}],
                 [{"id": "a", "type": LOG, "message": "mine"}])
    # Kestra applies forced defaults in reverse order, so the first one listed is applied last.
    assert apply_plugin_defaults(flow)["tasks"][0]["message"] == "first"


def test_prefix_matches_every_type_below_it():
    flow = _flow([{"type": "io.kestra.plugin.core", "values": {"allowFailure": True}}],
                 [{"id": "a", "type": LOG, "message": "m"},
                  {"id": "p", "type": "io.kestra.plugin.core.flow.Parallel",
                   "tasks": [{"id": "b", "type": "io.kestra.plugin.core.debug.Return"}]}])
    tasks = apply_plugin_defaults(flow)["tasks"]
    assert tasks[0]["allowFailure"] and tasks[1]["allowFailure"]
    assert tasks[1]["tasks"][0]["allowFailure"], "nested tasks get defaults too"


def test_defaults_reach_triggers_and_conditions():
    schedule = "io.kestra.plugin.core.trigger.Schedule"
    flow = _flow([{"type": schedule, "values": {"timezone": "Europe/Paris"}}],
                 [{"id": "a", "type": LOG, "message": "m"}])
    flow["triggers"] = [{"id": "t", "type": schedule, "cron": "0 * * * *"}]
    assert apply_plugin_defaults(flow)["triggers"][0]["timezone"] == "Europe/Paris"


def test_alias_written_task_receives_canonical_default():
    flow = _flow([{"type": LOG, "values": {"level": "WARN"}}],
                 [{"id": "a", "type": "io.kestra.core.tasks.log.Log", "message": "m"}])
    assert apply_plugin_defaults(flow)["tasks"][0]["level"] == "WARN"


def test_non_matching_type_is_untouched_and_flow_not_mutated():
    flow = _flow([{"type": "io.kestra.plugin.scripts", "values": {"level": "WARN"}}],
                 [{"id": "a", "type": LOG, "message": "m"}])
    result = apply_plugin_defaults(flow)
    assert result["tasks"][0] == {"id": "a", "type": LOG, "message": "m"}
    assert flow["tasks"][0] == {"id": "a", "type": LOG, "message": "m"}


def test_task_defaults_legacy_key_is_applied():
    flow = {"id": "f", "namespace": "n", "taskDefaults": [{"type": LOG, "values": {"level": "WARN"}}],
            "tasks": [{"id": "a", "type": LOG, "message": "m"}]}
    assert apply_plugin_defaults(flow)["tasks"][0]["level"] == "WARN"


def test_deep_merge_merges_maps_and_concatenates_lists():
    merged = deep_merge({"env": {"A": "1"}, "cmds": ["a"], "x": 1},
                       {"env": {"B": "2"}, "cmds": ["b"], "x": None})
    assert merged == {"env": {"A": "1", "B": "2"}, "cmds": ["a", "b"], "x": 1}


def test_a_property_known_by_its_former_or_new_name_is_not_unknown():
    from podium.common.flow.plugin_defaults import unknown_default_properties
    default = {"type": LOG, "values": {"when": "{{ true }}", "runIf": "x", "nope": 1}}
    assert unknown_default_properties(default) == ["nope"]


def test_a_package_default_gives_each_type_only_the_properties_it_has():
    # The Zoomcamp's gcp flows: one `io.kestra.plugin.gcp` default with `bucket` for GCS
    # tasks and BigQuery tasks alike; Kestra's BigQuery Query has no `bucket`.
    from podium.common.flow.plugin_defaults import apply_plugin_defaults

    flow = {"tasks": [{"id": "q", "type": "io.kestra.plugin.core.log.Log", "message": "m"}],
            "pluginDefaults": [{"type": "io.kestra.plugin.core",
                                "values": {"level": "WARN", "bucket": "b"}}]}
    task = apply_plugin_defaults(flow)["tasks"][0]
    assert task["level"] == "WARN" and "bucket" not in task


def test_a_property_the_flow_writes_itself_is_still_checked():
    from podium.common.flow.loader import parse_flow
    source = "\n".join(["id: f", "namespace: n", "tasks:", "  - id: a", f"    type: {LOG}",
                        "    message: m", "    bucket: b", ""])
    with pytest.raises(Exception, match="unknown property 'bucket'"):
        parse_flow(source)
