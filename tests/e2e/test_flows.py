"""Every flow of the reference system, end to end on the local cloud (run once per session,
concurrently), and the invariant over all of them: every accepted message was processed or is
in a DLQ. Each test names the flow and the outcome the data contracts promise."""

from __future__ import annotations

from pulumi_wasp.localcloud.client import Cloud
from pulumi_wasp.localcloud.scenario import FlowResult, check_invariant


def passed(results: dict[str, FlowResult], name: str) -> None:
    result = results[name]
    assert result.status == "ok", f"{name}: {result.status} after {result.seconds:.1f} s: {result.detail}"


def test_orders_api_places_a_signed_order_and_projects_it(flow_results: dict[str, FlowResult]) -> None:
    passed(flow_results, "orders API")


def test_a_retry_with_the_same_idempotency_key_yields_one_order(flow_results: dict[str, FlowResult]) -> None:
    passed(flow_results, "duplicate order (Idempotency-Key)")


def test_the_saga_reserves_charges_ships_and_confirms(flow_results: dict[str, FlowResult]) -> None:
    passed(flow_results, "saga confirms an order")


def test_a_declined_payment_releases_the_reservation_and_cancels(flow_results: dict[str, FlowResult]) -> None:
    passed(flow_results, "declined payment compensates")


def test_lifecycle_events_fan_out_to_filtered_worker_queues(flow_results: dict[str, FlowResult]) -> None:
    passed(flow_results, "fan-out to workers")


def test_an_invoice_task_writes_the_invoice_to_s3(flow_results: dict[str, FlowResult]) -> None:
    passed(flow_results, "invoice task")


def test_a_poison_message_ends_in_its_dlq(flow_results: dict[str, FlowResult]) -> None:
    passed(flow_results, "poison message → DLQ")


def test_a_signed_webhook_delivered_twice_confirms_the_payment_once(flow_results: dict[str, FlowResult]) -> None:
    passed(flow_results, "payment webhook")


def test_a_webhook_with_a_bad_signature_is_refused_401(flow_results: dict[str, FlowResult]) -> None:
    passed(flow_results, "webhook bad signature → 401")


def test_a_replayed_webhook_outside_the_tolerance_is_refused_401(flow_results: dict[str, FlowResult]) -> None:
    passed(flow_results, "webhook replay → 401")


def test_clicks_are_counted_and_an_unreadable_record_goes_to_on_failure(flow_results: dict[str, FlowResult]) -> None:
    passed(flow_results, "clickstream")


def test_an_uploaded_csv_is_imported_with_a_report(flow_results: dict[str, FlowResult]) -> None:
    passed(flow_results, "bulk import")


def test_scheduled_jobs_run_on_the_local_clock(flow_results: dict[str, FlowResult]) -> None:
    passed(flow_results, "scheduled jobs")


def test_every_accepted_message_was_processed_or_is_in_a_dlq(flow_results: dict[str, FlowResult], cloud: Cloud) -> None:
    invariant = check_invariant(cloud)
    assert invariant.holds, f"{invariant.summary}: {invariant.problems}"
