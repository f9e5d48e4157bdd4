"""The benchmark's arithmetic: percentiles, ratios, the profile's cost centres, the table."""

from __future__ import annotations

import math

import pytest

from bench import stats


def test_percentiles_interpolate_between_ranks() -> None:
    samples = [0.4, 0.1, 0.3, 0.2, 0.5]
    assert stats.percentile(samples, 0.5) == pytest.approx(0.3)
    assert stats.percentile(samples, 0.0) == pytest.approx(0.1)
    assert stats.percentile(samples, 1.0) == pytest.approx(0.5)
    # Rank 0.95 * 4 = 3.8: four fifths of the way from 0.4 to 0.5.
    assert stats.percentile(samples, 0.95) == pytest.approx(0.48)
    assert stats.percentile([7.0], 0.95) == 7.0


def test_no_samples_give_no_figure_and_a_wrong_share_is_refused() -> None:
    assert math.isnan(stats.percentile([], 0.5))
    assert math.isnan(stats.summary([])["p95_ms"])
    with pytest.raises(ValueError, match="between 0 and 1"):
        stats.percentile([1.0], 95)


def test_summary_is_in_milliseconds() -> None:
    figures = stats.summary([0.010, 0.020, 0.030])
    assert figures["count"] == 3
    assert figures["p50_ms"] == pytest.approx(20.0)
    assert figures["mean_ms"] == pytest.approx(20.0)


def test_ratios_and_missing_figures() -> None:
    assert stats.ratio(12.0, 10.0) == pytest.approx(1.2)
    assert math.isnan(stats.ratio(1.0, 0.0))
    assert math.isnan(stats.ratio(math.nan, 2.0))
    assert stats.number(math.nan) == "n/a"
    assert stats.number(1234.567, 2) == "1,234.57"


def test_the_table_aligns_numbers_right_and_refuses_a_short_row() -> None:
    table = stats.markdown_table(["server", "p50 ms"], [["plain", "10.0"], ["Rapport", "12.0"]])
    assert table.splitlines() == [
        "| server | p50 ms |",
        "| :--- | ---: |",
        "| plain | 10.0 |",
        "| Rapport | 12.0 |",
    ]
    with pytest.raises(ValueError, match="2 columns"):
        stats.markdown_table(["server", "p50 ms"], [["plain"]])


def test_a_sample_counts_where_its_innermost_known_frame_is() -> None:
    dense = "dense (tensorflow/python/ops/math_ops.py:12)"
    diet = "process (rasa/nlu/classifiers/diet_classifier.py:900)"
    ted = "predict_action_probabilities (rasa/core/policies/ted_policy.py:700)"
    handle = "handle_message (rasa/core/processor.py:100)"
    assert stats.cost_centre(f"run (asyncio/events.py:80);{handle};{diet};{dense}").startswith(
        "NLU"
    )
    assert stats.cost_centre(f"{handle};{ted};{dense}") == "dialogue policies"
    broker = "_drain (/work/x/bot/broker.py:50);execute (sqlalchemy/engine/base.py:1)"
    assert stats.cost_centre(broker) == "memory broker and fact extraction"
    assert stats.cost_centre("select (selectors.py:469)") == stats.OTHER


def test_the_action_servers_samples_have_centres_of_their_own() -> None:
    stack = "run (rasa_sdk/executor.py:1);run (actions/shop.py:9);card (memory/cards.py:3)"
    assert stats.cost_centre(stack, stats.ACTION_SERVER_CENTRES) == "memory reads and writes"
    assert stats.cost_centre(stack.rsplit(";", 1)[0], stats.ACTION_SERVER_CENTRES) == (
        "Rapport's actions"
    )


def test_profile_shares_add_up_and_come_largest_first() -> None:
    lines = [
        "a (rasa/nlu/x.py:1) 30",
        "b (rasa/core/policies/y.py:2) 10",
        "c (rasa/nlu/z.py:3) 30",
        "",
        "not a stack line",
        "run (threading.py:953);_worker (concurrent/futures/thread.py:81) 500",
    ]
    counts = stats.profile_counts(lines)
    assert counts[stats.WAITING] == 500
    shares = stats.shares(counts)
    assert list(shares) == [
        "NLU (spaCy, DIET, Rapport's NLU components)",
        "dialogue policies",
    ]
    assert shares["dialogue policies"] == pytest.approx(10 / 70)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert stats.shares(stats.profile_counts([])) == {}
    assert "| dialogue policies | 14 % |" in stats.shares_table("where", shares)


def test_the_brokers_thread_and_the_event_loop_waiting_are_no_ones_cost() -> None:
    broker = "run (threading.py:953);_run (memory/ingest.py:430)"
    lines = [
        f"{broker};_drain_inbox (memory/ingest.py:382) 200",
        f"{broker};_drain_inbox (memory/ingest.py:389);put (memory/ingest.py:250) 7",
        "<module> (rasa/__main__.py:1);serve (sanic/server/runners.py:155) 40",
        "<module> (rasa/__main__.py:1);serve (sanic/server/runners.py:155);x (rasa/a.py:2) 3",
    ]
    counts = stats.profile_counts(lines)
    assert counts[stats.WAITING] == 240
    assert counts["memory broker and fact extraction"] == 7  # writing the outbox is work
    assert counts["the rest of Rasa (processor, graph, events)"] == 3
