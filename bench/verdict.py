"""Issue 19's targets and the headline figures of a `bench.throughput` document.

Pure: `headline(workloads)` reads the figures out of the measured workloads (any subset of
chain, fanout, many, huge) and says which targets hold.
"""

from __future__ import annotations

from typing import Any

# Issue 19's targets (benchmark figures, not timed tests).
TARGETS = {"per_step_ratio_max": 2.5, "fanout_tasks_per_s_vs_celery_min": 0.6,
           "many_runs_per_s_vs_celery_min": 0.6, "submit_to_start_median_ms_max": 4.0,
           "huge_per_item_vs_small_max": 1.2, "huge_executor_rss_mb_max": 300.0,
           "two_executors_vs_one_min": 1.6}


def headline(workloads: dict[str, Any]) -> dict[str, Any]:
    """The issue's table: one figure per workload and whether its target holds."""
    figures: dict[str, Any] = {}
    met: dict[str, bool] = {}
    if "chain" in workloads:
        chain = workloads["chain"]
        figures["per_step_ratio"] = chain["ratios"]["per_step"]
        figures["submit_to_start_p50_ms"] = chain["podium"]["submit_to_start_ms"]["median"]
        figures["celery_submit_to_start_p50_ms"] = chain["celery"]["submit_to_start_ms"]["median"]
        met["per_step_ratio"] = (figures["per_step_ratio"] or 1e9) <= TARGETS["per_step_ratio_max"]
        met["submit_to_start"] = figures["submit_to_start_p50_ms"] <= \
            TARGETS["submit_to_start_median_ms_max"]
    if "fanout" in workloads:
        figures["fanout_tasks_per_s_vs_celery"] = workloads["fanout"]["ratios"]["tasks_per_s"]
        met["fanout"] = (figures["fanout_tasks_per_s_vs_celery"] or 0) >= \
            TARGETS["fanout_tasks_per_s_vs_celery_min"]
    if "many" in workloads:
        many = workloads["many"]
        figures["many_runs_per_s_vs_celery"] = many["ratios"]["runs_per_s"]
        figures["many_p50_submit_to_done_ms"] = {
            name: many[name]["submit_to_done_p50_ms"]["median"]
            for name in ("podium", "podium_2x", "celery")}
        figures["two_executors_vs_one"] = many["ratios"]["two_executors_vs_one"]
        met["many"] = (figures["many_runs_per_s_vs_celery"] or 0) >= \
            TARGETS["many_runs_per_s_vs_celery_min"]
        met["two_executors"] = (figures["two_executors_vs_one"] or 0) >= \
            TARGETS["two_executors_vs_one_min"]
    if "queued" in workloads:  # reported: the issue asks for "bounded", with no figure
        figures["queued_peak_rss_mb"] = workloads["queued"]["peak_rss_mb"]
    if "huge" in workloads:
        huge = workloads["huge"]
        figures["huge_per_item_vs_small"] = huge["per_item_vs_small"]
        figures["huge_executor_peak_rss_mb"] = max(
            (s["executor_peak_rss_mb"] or 0) for s in huge["sizes"].values())
        met["huge_flat"] = huge["complete"] and (huge["per_item_vs_small"] or 1e9) <= \
            TARGETS["huge_per_item_vs_small_max"]
        met["huge_rss"] = figures["huge_executor_peak_rss_mb"] <= \
            TARGETS["huge_executor_rss_mb_max"]
    return {"figures": figures, "met": met}
