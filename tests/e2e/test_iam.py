"""IAM enforced in the local cloud, end to end: the reference system runs with it (every flow test is
one), and tests/e2e/programs/iam shows each refusal AWS would make, with AWS's error and message."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pulumi_wasp.localcloud.emulator import Emulator
from pulumi_wasp.localcloud.scenario import FlowResult
from tests.e2e.conftest import Served, start_serve, stop_serve

IAM_PROGRAM = Path(__file__).resolve().parent / "programs" / "iam"


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = start_serve(IAM_PROGRAM, tmp_path_factory.mktemp("iam"))
    try:
        yield served
    finally:
        left = stop_serve(served)
        assert not left, f"serve left processes behind: {sorted(left)}"


def client(served: Served, service: str) -> Any:
    endpoints = served.endpoints
    return boto3.client(
        service,
        endpoint_url=endpoints["emulator_url"],
        region_name=endpoints["region"],
        aws_access_key_id=endpoints["credentials"]["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=endpoints["credentials"]["AWS_SECRET_ACCESS_KEY"],
    )


def call(served: Served, **event: str) -> dict[str, Any]:
    """Invoke the program's function with ``event``: what its one AWS call answered."""
    name = served.endpoints["outputs"]["function_name"]
    response = client(served, "lambda").invoke(FunctionName=name, Payload=json.dumps(event).encode())
    result: dict[str, Any] = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, result
    return result


def session(served: Served) -> str:
    outputs = served.endpoints["outputs"]
    account = served.endpoints["account_id"]
    return f"arn:aws:sts::{account}:assumed-role/{outputs['role_name']}/{outputs['function_name']}"


def table_arn(served: Served, name: str) -> str:
    return f"arn:aws:dynamodb:{served.endpoints['region']}:{served.endpoints['account_id']}:table/{name}"


def test_the_reference_system_runs_every_flow_with_nothing_denied(
    served: Served, flow_results: dict[str, FlowResult]
) -> None:
    assert all(result.status != "failed" for result in flow_results.values()), flow_results
    log = served.state_dir / "logs" / "iam.log"
    denied = [line for line in log.read_text().splitlines() if "AccessDenied" in line] if log.exists() else []
    assert denied == []


def test_a_function_may_make_the_call_its_role_grants(program: Served) -> None:
    assert call(program, call="put_item", table=program.endpoints["outputs"]["granted_table"]) == {"ok": True}


def test_a_grant_on_one_table_does_not_allow_the_same_call_on_another(program: Served) -> None:
    other = program.endpoints["outputs"]["other_table"]
    assert call(program, call="put_item", table=other) == {
        "error": "AccessDeniedException",
        "message": f"User: {session(program)} is not authorized to perform: dynamodb:PutItem on resource: "
        f"{table_arn(program, other)} because no identity-based policy allows the dynamodb:PutItem action",
    }


def test_a_permission_left_out_fails_the_call_with_access_denied_naming_the_action(program: Served) -> None:
    result = call(program, call="send_message", queue_url=program.endpoints["outputs"]["outbox_url"])
    assert result["error"] == "AccessDenied"
    assert (
        f"User: {session(program)} is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:"
        in (result["message"])
    )


def test_a_send_to_a_queue_under_a_customer_managed_key_needs_its_data_key(program: Served) -> None:
    outputs = program.endpoints["outputs"]
    assert call(program, call="send_message", queue_url=outputs["keyed_url"]) == {"ok": True}
    assert call(program, call="send_message", queue_url=outputs["sealed_url"]) == {
        "error": "KMS.AccessDeniedException",
        "message": f"User: {session(program)} is not authorized to perform: kms:GenerateDataKey on resource: "
        f"{outputs['sealed_key_arn']} because no identity-based policy allows the kms:GenerateDataKey action",
    }


def test_the_published_credentials_are_the_administrator(program: Served) -> None:
    other = program.endpoints["outputs"]["other_table"]
    client(program, "dynamodb").put_item(TableName=other, Item={"pk": {"S": "admin"}})


def test_a_denial_is_logged(program: Served) -> None:
    call(program, call="put_item", table=program.endpoints["outputs"]["other_table"])
    log = (program.state_dir / "logs" / "iam.log").read_text()
    assert f"AccessDenied: User: {session(program)} is not authorized to perform: dynamodb:PutItem" in log


def test_sns_delivers_only_to_a_queue_whose_policy_names_the_topic_as_source(program: Served) -> None:
    outputs = program.endpoints["outputs"]
    sqs = client(program, "sqs")
    client(program, "sns").publish(TopicArn=outputs["topic_arn"], Message="order placed")
    received = sqs.receive_message(QueueUrl=outputs["trusted_url"], WaitTimeSeconds=5).get("Messages", [])
    assert [json.loads(m["Body"])["Message"] for m in received] == ["order placed"]
    # Delivery is synchronous in the emulator: had it been allowed, the message would be there already.
    assert sqs.receive_message(QueueUrl=outputs["untrusted_url"], WaitTimeSeconds=1).get("Messages", []) == []
    log = (program.state_dir / "logs" / "iam.log").read_text()
    assert "User: sns.amazonaws.com is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:" in log


def test_without_iam_a_role_session_is_not_evaluated() -> None:
    with Emulator(iam=False) as emulator:
        assert emulator.function_credentials("arn:aws:lambda:us-east-1:123456789012:function:f", "f") == {}
        assert emulator.iam is None


def test_a_denied_request_has_the_service_s_error_shape() -> None:
    with Emulator() as emulator:
        assert emulator.iam is not None
        iam = emulator.client("iam")
        trust = {"Version": "2012-10-17", "Statement": []}
        role = iam.create_role(RoleName="nothing-granted", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
        keys = emulator.iam.credentials.issue(role["Arn"], "probe")
        as_role = boto3.session.Session(
            aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=keys["AWS_SESSION_TOKEN"],
            region_name=emulator.region,
        )
        emulator.client("sns").create_topic(Name="t")
        emulator.client("s3").create_bucket(Bucket="denied-bucket")
        cases = {
            "sns": (
                lambda c: c.publish(TopicArn=f"arn:aws:sns:us-east-1:{emulator.account_id}:t", Message="m"),
                "AuthorizationError",
                403,
            ),
            "s3": (lambda c: c.put_object(Bucket="denied-bucket", Key="k", Body=b"x"), "AccessDenied", 403),
            "events": (
                lambda c: c.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}"}]),
                "AccessDeniedException",
                400,
            ),
            "lambda": (lambda c: c.invoke(FunctionName="f"), "AccessDeniedException", 403),
        }
        for service, (make, code, status) in cases.items():
            with pytest.raises(ClientError) as denied:
                make(as_role.client(service, endpoint_url=emulator.url))
            error = denied.value.response
            assert (service, error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
                service,
                code,
                status,
            )
            assert "is not authorized to perform:" in error["Error"]["Message"]


def test_step_functions_tasks_invoke_lambda_as_the_state_machine_role() -> None:
    with Emulator() as emulator:
        iam, trust = emulator.client("iam"), json.dumps({"Version": "2012-10-17", "Statement": []})
        machine_role = iam.create_role(RoleName="saga-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        function_role = iam.create_role(RoleName="task-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        function = emulator.client("lambda").create_function(
            FunctionName="task",
            Runtime="python3.12",
            Role=function_role,
            Handler="h.handler",
            Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18},
        )["FunctionArn"]
        definition = {"StartAt": "Task", "States": {"Task": {"Type": "Task", "Resource": function, "End": True}}}
        sfn = emulator.client("stepfunctions")
        machine = sfn.create_state_machine(name="saga", definition=json.dumps(definition), roleArn=machine_role)
        execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
        deadline = time.monotonic() + 20
        while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
            assert time.monotonic() < deadline, "the execution did not end"
            time.sleep(0.1)
        assert described["status"] == "FAILED"
        denial = emulator.iam.denials[-1] if emulator.iam else None
        assert denial is not None
        assert (denial.principal, denial.action, denial.resource) == (
            f"arn:aws:sts::{emulator.account_id}:assumed-role/saga-role/localcloud-service",
            "lambda:InvokeFunction",
            function,
        )
