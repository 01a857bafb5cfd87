"""Named flows: run concurrently, reported one line each in the flows' order, selected by ``--flow``
(case-insensitive parts of names; a value selecting nothing is an error), skipped without what they need."""

from __future__ import annotations

import pytest

from pulumi_wasp.localcloud.client import Cloud, FlowFailedError
from pulumi_wasp.localcloud.scenario import Flow, FlowSelectionError, run_flows

ENDPOINTS = {
    "credentials": {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
    "region": "us-east-1",
    "outputs": {"api_url": "http://127.0.0.1:1/dev"},
}


def ok(cloud: Cloud) -> str:
    return "fine"


def fails(cloud: Cloud) -> str:
    raise FlowFailedError("expected 201, got 500")


def breaks(cloud: Cloud) -> str:
    return {}["missing"]


def cloud(*flows: str) -> tuple[Cloud, list[str]]:
    lines: list[str] = []
    return Cloud(ENDPOINTS, report=lines.append, flows=flows), lines


def test_every_flow_runs_and_is_reported_with_its_detail() -> None:
    client, lines = cloud()
    results = run_flows(client, [Flow("first", ok), Flow("second", ok)])
    assert [(r.name, r.status, r.detail) for r in results] == [("first", "ok", "fine"), ("second", "ok", "fine")]
    assert sorted(line.split()[1] for line in lines) == ["first", "second"]
    assert client.flow_results == results


def test_a_failed_flow_is_reported_and_raised_once_every_flow_ended() -> None:
    client, lines = cloud()
    with pytest.raises(FlowFailedError, match="1 of 2 flows failed: bad"):
        run_flows(client, [Flow("bad", fails), Flow("good", ok)])
    assert any("✗ bad" in line and "expected 201, got 500" in line for line in lines)
    assert any("✓ good" in line for line in lines)


def test_check_false_leaves_the_verdict_to_the_caller() -> None:
    client, _ = cloud()
    [result] = run_flows(client, [Flow("bad", fails)], check=False)
    assert result.status == "failed"


def test_an_unexpected_error_in_a_flow_names_its_type() -> None:
    client, _ = cloud()
    [result] = run_flows(client, [Flow("broken", breaks)], check=False)
    assert result.detail == "KeyError: 'missing'"


def test_a_flow_whose_needs_the_stack_lacks_is_skipped_saying_which() -> None:
    client, _ = cloud()
    [result] = run_flows(client, [Flow("bus", ok, needs=("bus_name",))])
    assert (result.status, result.detail) == ("skipped", "the program exports no bus_name")


def test_flow_selects_by_case_insensitive_part_of_the_name() -> None:
    client, _ = cloud("WEB")
    results = run_flows(client, [Flow("payment webhook", ok), Flow("orders API", ok), Flow("webhook replay", ok)])
    assert [r.name for r in results] == ["payment webhook", "webhook replay"]


def test_a_flow_value_selecting_nothing_is_an_error_listing_the_flows() -> None:
    client, _ = cloud("saga", "nothing")
    with pytest.raises(FlowSelectionError, match="--flow 'nothing' matches no flow; flows: 'saga confirms'"):
        run_flows(client, [Flow("saga confirms", ok)])
