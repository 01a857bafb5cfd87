"""The bench's statistics, ratios and report rendering (no timing here)."""

from __future__ import annotations

import json

import pytest

from bench.measure import Stats, paired_ratios, ratio
from bench.report import Section, Table, cell, markdown_table, render, seconds, size, times, to_json


def test_stats_summarize_samples_by_median_min_and_max():
    stats = Stats.of([0.3, 0.1, 0.2, 0.9])
    assert (stats.median, stats.min, stats.max) == (0.25, 0.1, 0.9)
    assert stats.to_json() == {"median": 0.25, "min": 0.1, "max": 0.9, "samples": [0.3, 0.1, 0.2, 0.9]}


def test_stats_need_a_sample():
    with pytest.raises(ValueError, match="at least one sample"):
        Stats.of([])


def test_a_ratio_to_a_zero_baseline_is_not_a_number():
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(3.0, 0.0) is None
    assert times(None) == "n/a"


@pytest.mark.parametrize(("value", "text"), [(2.5, "2.50 s"), (0.0123, "12.3 ms"), (0.000042, "42 µs")])
def test_seconds_pick_a_readable_unit(value, text):
    assert seconds(value) == text


def test_sizes_and_ratios_read_at_a_glance():
    assert [size(980), size(12_300), size(4_700_000)] == ["980 B", "12.3 kB", "4.7 MB"]
    assert [times(1.0), times(1.234), times(0.00624), times(13.04)] == ["×1", "×1.23", "×0.00624", "×13"]


def test_a_cell_shows_the_median_then_the_range_unless_there_is_one_sample():
    assert cell(Stats.of([0.002, 0.001, 0.004])) == "2.0 ms (1.0 ms–4.0 ms)"
    assert cell(Stats.of([1_500_000]), size) == "1.5 MB"


def test_tables_escape_pipes_and_newlines():
    table = Table(["a", "b|c"], [["x\ny", "1"]])
    assert markdown_table(table) == "| a | b\\|c |\n|---|---|\n| x y | 1 |"


def section() -> Section:
    return Section(
        key="demo",
        title="Demo",
        notes=["A note."],
        tables=[Table(["figure", "ratio"], [["one", "×2"]])],
        data={"one": Stats.of([1.0, 2.0]).to_json()},
        summary=["demo: ×2"],
    )


def test_the_report_starts_with_how_to_read_and_the_machine_then_summarizes():
    text = render([section()], {"CPUs": 2, "Python": "3.11.7"}, {"Local cloud": "not available: no entry point"})
    assert text.startswith("# Benchmarks\n\nEvery figure is the **median**")
    assert "- CPUs: 2\n- Python: 3.11.7" in text
    assert "## Summary\n\n- demo: ×2\n- Local cloud: not available: no entry point" in text
    assert "## Demo\n\nA note.\n\n| figure | ratio |" in text


def test_results_json_keeps_raw_samples_per_section():
    doc = to_json([section()], {"CPUs": 2}, {})
    assert json.loads(json.dumps(doc)) == {
        "machine": {"CPUs": 2},
        "skipped": {},
        "sections": {"demo": {"one": {"median": 1.5, "min": 1.0, "max": 2.0, "samples": [1.0, 2.0]}}},
    }


def test_paired_ratios_divide_within_a_round_then_summarize():
    # Round 2 ran slow for both: its ratio is as good as the others'.
    assert paired_ratios([2.0, 4.0, 2.2], [1.0, 2.0, 1.0]).samples == (2.0, 2.0, 2.2)
    assert paired_ratios([2.0, 4.0, 2.2], [1.0, 2.0]).samples == (2.0, 2.0)
