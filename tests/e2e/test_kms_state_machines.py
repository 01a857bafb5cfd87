"""State machines under customer-managed keys in the local cloud, end to end (tests/e2e/programs/keyed_saga): an
execution starts only when the machine's role may use its key and the key policy lets it, whoever starts it (a
function granted only StartExecution, an EventBridge rule's target role), refused with Step Functions'
KmsAccessDeniedException naming the key; reading an execution needs kms:Decrypt through Step Functions."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_wasp.localcloud.cloud import LocalCloud
from tests.e2e.test_kms import Caller, refusal

PROGRAM = Path(__file__).resolve().parent / "programs" / "keyed_saga"
FINISHED_WITHIN_SECONDS = 30
SOURCE = "tests.keyed-saga"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    with LocalCloud(PROGRAM, state=tmp_path_factory.mktemp("keyed-saga")) as started:
        yield started


def outputs(cloud: LocalCloud) -> dict[str, Any]:
    assert cloud.deployment is not None
    return cloud.deployment.outputs


def start(cloud: LocalCloud, machine: str) -> tuple[str, dict[str, Any]]:
    """The starter function's StartExecution of ``machine``: the execution's ARN and the function's answer."""
    name = f"e2e-{uuid.uuid4().hex[:12]}"
    arn = outputs(cloud)["machines"][machine]
    response = cloud.emulator.client("lambda").invoke(
        FunctionName=outputs(cloud)["starter"], Payload=json.dumps({"machine": arn, "name": name}).encode()
    )
    answer: dict[str, Any] = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, answer
    execution = arn.replace(":stateMachine:", ":execution:") + f":{name}"
    return execution, answer


def finished(cloud: LocalCloud, execution: str) -> str:
    """The execution's final status (bounded wait), read by the administrator."""
    sfn = cloud.emulator.client("stepfunctions")
    deadline = time.monotonic() + FINISHED_WITHIN_SECONDS
    while (status := sfn.describe_execution(executionArn=execution)["status"]) == "RUNNING":
        assert time.monotonic() < deadline, f"{execution} still running after {FINISHED_WITHIN_SECONDS} s"
        time.sleep(0.1)
    return str(status)


def refused_for_key(answer: dict[str, Any], key: str, reason: str) -> bool:
    return answer.get("error") == "KmsAccessDeniedException" and answer.get("message", "").endswith(
        f"kms:GenerateDataKey on resource: {key} because {reason}"
    )


@pytest.mark.time_limit(120)
def test_a_saga_under_a_key_its_policy_delegates_runs_when_started_by_a_function_granted_only_to_start(
    cloud: LocalCloud,
) -> None:
    execution, answer = start(cloud, "granted")
    assert answer == {"ok": True}
    assert finished(cloud, execution) == "SUCCEEDED"


def test_a_saga_whose_key_policy_does_not_let_its_role_use_the_key_does_not_start(cloud: LocalCloud) -> None:
    _, answer = start(cloud, "closed")
    reason = "no resource-based policy allows the kms:GenerateDataKey action"
    assert refused_for_key(answer, outputs(cloud)["keys"]["closed"], reason), answer


def test_a_machine_whose_role_was_granted_nothing_of_its_key_does_not_start(cloud: LocalCloud) -> None:
    _, answer = start(cloud, "bare")
    reason = "no identity-based policy allows the kms:GenerateDataKey action"
    assert refused_for_key(answer, outputs(cloud)["keys"]["data"], reason), answer


def put_event(cloud: LocalCloud, rule: str) -> None:
    entry = {"Source": SOURCE, "DetailType": rule, "Detail": "{}", "EventBusName": outputs(cloud)["bus"]}
    assert cloud.emulator.client("events").put_events(Entries=[entry])["FailedEntryCount"] == 0


def executions(cloud: LocalCloud, machine: str) -> list[dict[str, Any]]:
    arn = outputs(cloud)["machines"][machine]
    return list(cloud.emulator.client("stepfunctions").list_executions(stateMachineArn=arn)["executions"])


@pytest.mark.time_limit(120)
def test_a_rule_starts_a_saga_under_a_key_through_its_target_role_granted_only_to_start(cloud: LocalCloud) -> None:
    before = {e["executionArn"] for e in executions(cloud, "granted")}
    put_event(cloud, "granted")
    deadline = time.monotonic() + FINISHED_WITHIN_SECONDS
    while not (new := [e["executionArn"] for e in executions(cloud, "granted") if e["executionArn"] not in before]):
        assert time.monotonic() < deadline, "the rule started no execution"
        time.sleep(0.1)
    assert finished(cloud, new[0]) == "SUCCEEDED"


@pytest.mark.time_limit(120)
def test_a_rule_whose_saga_cannot_use_its_key_dead_letters_the_event_with_step_functions_error(
    cloud: LocalCloud,
) -> None:
    put_event(cloud, "closed")
    sqs = cloud.emulator.client("sqs")
    deadline = time.monotonic() + FINISHED_WITHIN_SECONDS
    while not (
        messages := sqs.receive_message(
            QueueUrl=outputs(cloud)["dlqs"]["closed"], MessageAttributeNames=["All"], WaitTimeSeconds=1
        ).get("Messages", [])
    ):
        assert time.monotonic() < deadline, "the refused event never reached the rule's DLQ"
    attributes = messages[0]["MessageAttributes"]
    assert attributes["ERROR_CODE"]["StringValue"] == "KmsAccessDeniedException"
    assert executions(cloud, "closed") == []


@pytest.mark.time_limit(120)
def test_describing_an_execution_under_a_key_needs_its_decrypt_through_step_functions(cloud: LocalCloud) -> None:
    execution, answer = start(cloud, "granted")
    assert answer == {"ok": True}
    machine, key = outputs(cloud)["machines"]["granted"], outputs(cloud)["keys"]["data"]
    caller = Caller(cloud, "execution-reader")
    caller.grant("describe", {"Effect": "Allow", "Action": "states:DescribeExecution", "Resource": execution})
    sfn = caller.client("stepfunctions")
    code, status, message = refusal(lambda: sfn.describe_execution(executionArn=execution))
    assert (code, status) == ("KmsAccessDeniedException", 400)
    assert message.endswith(
        f"kms:Decrypt on resource: {key} because no identity-based policy allows the kms:Decrypt action"
    )
    assert sfn.describe_execution(executionArn=execution, includedData="METADATA_ONLY")["executionArn"] == execution
    # iam.kms_read_executions(key, machine), as its program would resolve it.
    region = key.split(":")[3]
    context = {
        "kms:ViaService": f"states.{region}.amazonaws.com",
        "kms:EncryptionContext:aws:states:stateMachineArn": machine,
    }
    caller.grant(
        "key", {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key, "Condition": {"StringEquals": context}}
    )
    assert sfn.describe_execution(executionArn=execution)["executionArn"] == execution
