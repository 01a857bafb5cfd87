"""Services delivering into queues under customer-managed keys in the local cloud, end to end: S3 notifying a queue
and a rule dead-lettering to one need the key policy to let the service (s3.amazonaws.com, events.amazonaws.com) use
the key, a schedule dead-lettering to one needs its role to (tests/e2e/programs/keyed_deliveries); refused, nothing
is delivered and the denial is in iam.log."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_wasp.localcloud.cloud import LocalCloud

PROGRAM = Path(__file__).resolve().parent / "programs" / "keyed_deliveries"
WITHIN_SECONDS = 30


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    with LocalCloud(PROGRAM, state=tmp_path_factory.mktemp("keyed-deliveries")) as started:
        yield started


def outputs(cloud: LocalCloud) -> dict[str, Any]:
    assert cloud.deployment is not None
    return cloud.deployment.outputs


def denials(cloud: LocalCloud) -> list[str]:
    log = cloud.state_dir / "logs" / "iam.log"
    return [line for line in log.read_text().splitlines() if "AccessDenied" in line] if log.exists() else []


def key_denials(cloud: LocalCloud, principal: str, key: str = "data") -> list[str]:
    """The denials of ``principal``'s use of the program's key ``key``."""
    key_arn = outputs(cloud)["keys"][key]
    refused = f"{principal} is not authorized to perform: kms:GenerateDataKey on resource: {key_arn} "
    return [line for line in denials(cloud) if refused in line]


def wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WITHIN_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {WITHIN_SECONDS} s"
        time.sleep(0.1)


def put_object(cloud: LocalCloud, bucket: str) -> str:
    key = f"{uuid.uuid4()}.csv"
    cloud.emulator.client("s3").put_object(Bucket=outputs(cloud)["buckets"][bucket], Key=key, Body=b"order,1\n")
    return key


def messages(cloud: LocalCloud, queue_url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (
        cloud.emulator.client("sqs")
        .receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0)
        .get("Messages", [])
    )
    return found


@pytest.mark.time_limit(120)
def test_an_object_created_notification_reaches_a_queue_whose_own_key_admits_s3_and_its_function(
    cloud: LocalCloud,
) -> None:
    key = put_object(cloud, "notified")
    log = cloud.state_dir / "logs" / f"{outputs(cloud)['consumer']}.log"
    wait_for(lambda: log.exists() and key in log.read_text(), f"the consumer was handed {key}")
    assert key_denials(cloud, "s3.amazonaws.com", "notified") == []


def test_s3_drops_a_notification_to_a_queue_whose_key_policy_does_not_admit_it_and_the_denial_is_logged(
    cloud: LocalCloud,
) -> None:
    before = len(key_denials(cloud, "s3.amazonaws.com"))
    key = put_object(cloud, "refused")
    # S3 notifies within the PutObject: the delivery has been decided when it returns.
    assert len(key_denials(cloud, "s3.amazonaws.com")) == before + 1
    assert [m for m in messages(cloud, outputs(cloud)["refused_queue_url"]) if key in m["Body"]] == []


def dead_letters_from(cloud: LocalCloud, schedule: str, queue_url: str | None = None) -> list[dict[str, Any]]:
    """The dead letters of the schedule or rule named ``schedule`` in ``queue_url`` (the schedules' DLQ unless
    given)."""
    return [
        message
        for message in messages(cloud, queue_url or outputs(cloud)["dead_letters_url"])
        if message["MessageAttributes"]["RULE_ARN"]["StringValue"].endswith(f"/{schedule}")
    ]


@pytest.mark.time_limit(120)
def test_a_schedule_dead_letters_a_refused_run_to_a_queue_under_a_key_its_role_may_use(cloud: LocalCloud) -> None:
    cloud.runtime.schedules.fire("granted")
    found: list[dict[str, Any]] = []
    wait_for(lambda: found.extend(dead_letters_from(cloud, "granted")) or found, "the run was dead-lettered")
    assert found[0]["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "AccessDeniedException"
    assert key_denials(cloud, f"assumed-role/{outputs(cloud)['schedule_roles']['granted']}/scheduler") == []


@pytest.mark.time_limit(120)
def test_a_schedule_whose_role_may_not_use_the_dead_letter_queues_key_loses_the_run_and_the_denial_is_logged(
    cloud: LocalCloud,
) -> None:
    cloud.runtime.schedules.fire("ungranted")
    source = "events ungranted → lambda"
    wait_for(lambda: cloud.runtime.ledger.counts().get(source, {}).get("dropped"), "the run was dropped")
    assert key_denials(cloud, f"assumed-role/{outputs(cloud)['schedule_roles']['ungranted']}/scheduler") != []
    assert dead_letters_from(cloud, "ungranted") == []


@pytest.mark.time_limit(120)
def test_a_rule_dead_letters_a_refused_run_to_a_queue_whose_own_key_admits_eventbridge(cloud: LocalCloud) -> None:
    cloud.runtime.schedules.fire("admitted")
    url = outputs(cloud)["rule_dlq_urls"]["admitted"]
    found: list[dict[str, Any]] = []
    wait_for(lambda: found.extend(dead_letters_from(cloud, "admitted", url)) or found, "the run was dead-lettered")
    assert found[0]["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "AccessDeniedException"
    assert key_denials(cloud, "events.amazonaws.com", "admitted") == []


@pytest.mark.time_limit(120)
def test_a_rule_whose_dead_letter_queues_key_policy_does_not_admit_eventbridge_loses_the_run_and_logs_the_denial(
    cloud: LocalCloud,
) -> None:
    cloud.runtime.schedules.fire("unadmitted")
    source = "events unadmitted → lambda"
    wait_for(lambda: cloud.runtime.ledger.counts().get(source, {}).get("dropped"), "the run was dropped")
    assert key_denials(cloud, "events.amazonaws.com") != []
    assert dead_letters_from(cloud, "unadmitted", outputs(cloud)["rule_dlq_urls"]["unadmitted"]) == []
