"""The pure helpers of the throughput benchmark: spreads, pairwise ratios, the verdict."""

from bench.run import pairwise_median, ratio, summary
from bench.verdict import TARGETS, headline


def test_summary_gives_median_p90_and_extremes():
    figures = summary([4.0, 1.0, 3.0, 2.0, 5.0])
    assert (figures["median"], figures["min"], figures["max"]) == (3.0, 1.0, 5.0)
    assert figures["p90"] == 4.6  # linear interpolation between the 4th and 5th values
    assert figures["runs"] == [4.0, 1.0, 3.0, 2.0, 5.0]  # run order kept
    assert summary([])["median"] is None


def test_ratios_skip_missing_and_zero_denominators():
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(None, 2.0) is None and ratio(1.0, 0.0) is None
    assert pairwise_median([2.0, 9.0, 3.0], [1.0, 3.0, 0.0]) == 2.5  # (2, 3), the 0 left out
    assert pairwise_median([], []) is None


def test_headline_reads_only_the_workloads_measured():
    many = {name: {"submit_to_done_p50_ms": {"median": 100.0}}
            for name in ("podium", "podium_2x", "celery")}
    many["ratios"] = {"runs_per_s": 0.7, "two_executors_vs_one": 1.2}
    huge = {"per_item_vs_small": 1.05, "complete": True,
            "sizes": {"1000": {"executor_peak_rss_mb": 120.0},
                      "100000": {"executor_peak_rss_mb": 310.0}}}
    verdict = headline({"many": many, "huge": huge})
    assert verdict["figures"]["two_executors_vs_one"] == 1.2
    assert verdict["figures"]["huge_executor_peak_rss_mb"] == 310.0
    assert verdict["met"] == {"many": True, "two_executors": False, "huge_flat": True,
                              "huge_rss": False}
    assert "per_step_ratio" not in verdict["met"]
    assert TARGETS["huge_executor_rss_mb_max"] == 300.0


def test_headline_reports_the_queued_peaks_without_a_verdict():
    queued = {"executions": 10_000, "peak_rss_mb": {"executor-0": 230.5, "worker-1": 190.0}}
    verdict = headline({"queued": queued})
    assert verdict["figures"] == {"queued_peak_rss_mb": {"executor-0": 230.5, "worker-1": 190.0}}
    assert verdict["met"] == {}  # the issue asks for "bounded", with no figure to meet
