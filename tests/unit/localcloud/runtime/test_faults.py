"""The fault injector's decision schedule and its specifications (runtime/faults.py): seeded per
function, fixed whatever the other functions do, refused with a message naming the setting."""

from __future__ import annotations

import pytest

from pulumi_wasp.localcloud.runtime.faults import (
    ERROR_TYPE,
    Decision,
    FaultInjectedError,
    FaultPlan,
    Faults,
    FaultSpec,
    FaultSpecError,
    parse_latency,
    parse_option,
)

MIXED = FaultSpec(error_rate=0.3, crash_rate=0.2, throttle_rate=0.2, latency=(0.1, 0.3))


def schedule(plan: FaultPlan, invocations: int = 200) -> list[tuple[bool, bool, bool, float]]:
    return [(d.throttle, d.crash, d.error, d.latency_seconds) for d in (plan.decide() for _ in range(invocations))]


def test_the_same_seed_and_function_give_the_same_decisions() -> None:
    assert schedule(FaultPlan("orders", MIXED, 7)) == schedule(FaultPlan("orders", MIXED, 7))


def test_another_seed_or_another_function_gives_another_schedule() -> None:
    reference = schedule(FaultPlan("orders", MIXED, 7))
    assert schedule(FaultPlan("orders", MIXED, 8)) != reference
    assert schedule(FaultPlan("payments", MIXED, 7)) != reference


def test_the_schedule_is_pinned_across_releases_and_processes() -> None:
    plan = FaultPlan("fn", FaultSpec(error_rate=0.5, crash_rate=0.2, throttle_rate=0.2, latency=(0.1, 0.3)), 7)
    kinds = [
        "throttle" if d.throttle else "crash" if d.crash else "error" if d.error else "ok"
        for d in (plan.decide() for _ in range(8))
    ]
    assert kinds == ["crash", "crash", "crash", "error", "throttle", "error", "ok", "ok"]


def test_a_rate_of_one_fault_does_not_shift_the_schedule_of_another() -> None:
    errors_only = FaultPlan("fn", FaultSpec(error_rate=0.4), 3)
    with_latency = FaultPlan("fn", FaultSpec(error_rate=0.4, latency=(0.0, 1.0)), 3)
    assert [d[2] for d in schedule(with_latency, 100)] == [d[2] for d in schedule(errors_only, 100)]


def test_rates_come_out_near_their_value_over_many_invocations() -> None:
    plan = FaultPlan("fn", FaultSpec(error_rate=0.2), 1)
    errors = sum(plan.decide().error for _ in range(5000))
    assert 900 < errors < 1100


def test_rates_of_zero_and_one_are_never_and_always() -> None:
    never = FaultPlan("fn", FaultSpec(latency=(0.2, 0.2)), 1)
    always = FaultPlan("fn", FaultSpec(crash_rate=1.0), 1)
    assert not any(d.error or d.crash or d.throttle for d in (never.decide() for _ in range(100)))
    assert all(always.decide().crash for _ in range(100))


def test_a_throttled_invocation_does_not_run_so_it_has_no_latency_crash_or_error() -> None:
    plan = FaultPlan("fn", FaultSpec(throttle_rate=1.0, crash_rate=1.0, error_rate=1.0, latency=(1.0, 1.0)), 1)
    decision = plan.decide()
    assert (decision.throttle, decision.crash, decision.error, decision.latency_seconds) == (True, False, False, 0.0)
    assert decision.directive() is None


def test_a_crash_wins_over_an_error_and_keeps_its_latency() -> None:
    decision = FaultPlan("fn", FaultSpec(crash_rate=1.0, error_rate=1.0, latency=(0.5, 0.5)), 1).decide()
    assert (decision.crash, decision.error, decision.latency_seconds) == (True, False, 0.5)


def test_latency_in_a_range_stays_within_it() -> None:
    plan = FaultPlan("fn", FaultSpec(latency=(0.1, 0.3)), 1)
    latencies = [plan.decide().latency_seconds for _ in range(500)]
    assert all(0.1 <= s <= 0.3 for s in latencies) and max(latencies) - min(latencies) > 0.15


def test_the_plan_counts_what_it_injected() -> None:
    plan = FaultPlan("fn", FaultSpec(error_rate=1.0, latency=(0.01, 0.01)), 1)
    for _ in range(3):
        plan.decide()
    described = plan.describe()
    assert described["invocations"] == 3
    assert described["injected"] == {"throttles": 0, "crashes": 0, "errors": 3, "delayed": 3}


def test_no_decision_sends_nothing_to_the_environment() -> None:
    assert Decision().directive() is None


class _Function:
    faults: FaultPlan | None = None


def test_setting_a_fault_again_starts_its_schedule_over() -> None:
    functions = {"fn": _Function()}
    faults = Faults(functions, default_seed=5)
    faults.set("fn", MIXED)
    plan = functions["fn"].faults
    assert plan is not None
    first = schedule(plan, 20)
    faults.set("fn", MIXED)
    assert functions["fn"].faults is not plan and schedule(functions["fn"].faults, 20) == first  # type: ignore[arg-type]


def test_a_fault_without_a_seed_takes_the_clouds_default_seed() -> None:
    faults = Faults({"fn": _Function()}, default_seed=42)
    assert faults.set("fn", FaultSpec(error_rate=0.1))["seed"] == 42
    assert faults.set("fn", FaultSpec(error_rate=0.1, seed=7))["seed"] == 7


def test_faults_of_an_unknown_function_are_refused_naming_the_known_ones() -> None:
    with pytest.raises(KeyError, match="no function 'nope'; known: fn"):
        Faults({"fn": _Function()}).set("nope", FaultSpec(error_rate=0.1))


def test_clearing_reports_only_the_functions_that_had_faults() -> None:
    functions = {"a": _Function(), "b": _Function()}
    faults = Faults(functions)
    faults.set("b", FaultSpec(error_rate=0.1))
    assert faults.clear() == ["b"]
    assert functions["b"].faults is None and faults.listing()["functions"] == {}


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("probe:error-rate=1.5", "error-rate must be a number from 0 to 1, got '1.5'"),
        ("probe:crash-rate=-0.1", "crash-rate must be a number from 0 to 1"),
        ("probe:throttle-rate=often", "throttle-rate must be a number from 0 to 1, got 'often'"),
        ("probe:latency=fast", "latency must be a duration such as 200ms"),
        ("probe:latency=200", "latency needs a unit"),
        ("probe:latency=2s-1s", "low end first"),
        ("probe:latency=901s", "at most 900s"),
        ("probe:seed=x", "seed must be an integer"),
        ("probe:volume=11", "unknown setting 'volume'"),
        ("probe:error-rate=0.1,error-rate=0.2", "error-rate is given twice"),
        ("probe", "--fault takes FUNCTION:SETTING=VALUE"),
        ("probe:error-rate=0", "injects nothing"),
    ],
)
def test_a_bad_fault_option_is_refused_naming_the_setting(option: str, message: str) -> None:
    with pytest.raises(FaultSpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_option(option)


def test_a_fault_option_gives_the_function_and_its_spec() -> None:
    assert parse_option("probe-function:error-rate=0.2,latency=100-300ms,crash-rate=0.05,seed=7") == (
        "probe-function",
        FaultSpec(error_rate=0.2, crash_rate=0.05, latency=(0.1, 0.3), seed=7),
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("200ms", (0.2, 0.2)), ("1.5s", (1.5, 1.5)), ("100ms-2s", (0.1, 2.0)), ("100-300ms", (0.1, 0.3))],
)
def test_latencies_are_read_in_milliseconds_or_seconds(text: str, seconds: tuple[float, float]) -> None:
    assert parse_latency(text) == seconds


def test_a_spec_survives_its_json_form_and_refuses_unknown_settings() -> None:
    assert FaultSpec.from_json(MIXED.to_json()) == MIXED
    with pytest.raises(FaultSpecError, match="unknown fault setting volume"):
        FaultSpec.from_json({"volume": 11})
    with pytest.raises(FaultSpecError, match="error-rate must be a number from 0 to 1"):
        FaultSpec.from_json({"error_rate": 2})


def test_an_injected_error_has_lambdas_error_shape_with_its_own_type() -> None:
    shape = FaultInjectedError("Fault injected by the local cloud: error").shape("req-1")
    assert shape == {
        "errorMessage": "Fault injected by the local cloud: error",
        "errorType": ERROR_TYPE,
        "stackTrace": [],
        "requestId": "req-1",
    }
    assert ERROR_TYPE == "FaultInjected"
