"""The CodeDeploy deployment provider: the exact AWS calls `pulumi up` makes, stubbed with botocore's Stubber."""

from __future__ import annotations

import json

import boto3
import botocore.waiter
import pytest
from botocore.stub import ANY, Stubber

from pulumi_wasp.components.shared.lambda_deployment import (
    NOT_NEEDED,
    DeploymentFailedError,
    LambdaDeploymentProvider,
    appspec,
    deploy,
    refreshed,
)

PROPS = {
    "region": "eu-west-1",
    "profile": "",
    "application_name": "orders-api",
    "deployment_group_name": "orders-api",
    "function_name": "prod-orders-api",
    "alias_name": "live",
    "target_version": "7",
    "timeout_minutes": 1,
    "poll_seconds": 1,
    "pre_traffic_hook": "prod-orders-api-pre-traffic",
}
DEPLOYMENT_ID = "d-ABCDEF123"


class StubbedSession:
    """A boto3 session whose clients are the stubbed ones (one per service, as deploy() asks for them)."""

    def __init__(self) -> None:
        self.clients = {service: boto3.client(service, region_name="eu-west-1") for service in ("lambda", "codedeploy")}
        self.stubs = {service: Stubber(client) for service, client in self.clients.items()}

    def client(self, service: str):
        return self.clients[service]

    def __enter__(self) -> StubbedSession:
        for stub in self.stubs.values():
            stub.activate()
        return self

    def __exit__(self, *exc) -> None:
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()
            stub.deactivate()


def alias_serves(session: StubbedSession, version: str) -> None:
    session.stubs["lambda"].add_response(
        "get_alias",
        {"FunctionVersion": version, "Name": "live"},
        {"FunctionName": "prod-orders-api", "Name": "live"},
    )


def deployment_status(session: StubbedSession, status: str, **info) -> None:
    session.stubs["codedeploy"].add_response(
        "get_deployment",
        {"deploymentInfo": {"deploymentId": DEPLOYMENT_ID, "status": status, **info}},
        {"deploymentId": DEPLOYMENT_ID},
    )


def test_the_appspec_shifts_the_alias_from_the_current_to_the_target_version_with_the_hooks():
    assert appspec(PROPS, "6") == {
        "version": 0.0,
        "Resources": [
            {
                "prod-orders-api": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Name": "prod-orders-api",
                        "Alias": "live",
                        "CurrentVersion": "6",
                        "TargetVersion": "7",
                    },
                }
            }
        ],
        "Hooks": [{"BeforeAllowTraffic": "prod-orders-api-pre-traffic"}],
    }


def test_an_appspec_without_hooks_has_no_hooks_section():
    assert "Hooks" not in appspec({**PROPS, "pre_traffic_hook": ""}, "6")


def test_a_new_version_is_deployed_through_codedeploy_and_awaited():
    with StubbedSession() as session:
        alias_serves(session, "6")
        session.stubs["codedeploy"].add_response(
            "create_deployment",
            {"deploymentId": DEPLOYMENT_ID},
            {
                "applicationName": "orders-api",
                "deploymentGroupName": "orders-api",
                "revision": {
                    "revisionType": "AppSpecContent",
                    "appSpecContent": {"content": json.dumps(appspec(PROPS, "6"), sort_keys=True)},
                },
                "description": ANY,
            },
        )
        deployment_status(session, "InProgress")
        deployment_status(session, "Succeeded")
        outputs = deploy(PROPS, session)
    assert (outputs["deployment_id"], outputs["status"], outputs["current_version"]) == (
        DEPLOYMENT_ID,
        "Succeeded",
        "7",
    )


def test_no_deployment_is_made_when_the_alias_already_serves_the_version():
    with StubbedSession() as session:
        alias_serves(session, "7")
        outputs = deploy(PROPS, session)
    assert (outputs["deployment_id"], outputs["status"]) == ("", NOT_NEEDED)


def test_a_rolled_back_deployment_fails_naming_the_deployment_and_the_rollback():
    with StubbedSession() as session:
        alias_serves(session, "6")
        session.stubs["codedeploy"].add_response("create_deployment", {"deploymentId": DEPLOYMENT_ID})
        failed = {
            "errorInformation": {"code": "ALARM_ACTIVE", "message": "One or more alarms have been activated"},
            "rollbackInfo": {"rollbackDeploymentId": "d-ROLLBACK1", "rollbackMessage": "Rolled back on alarm"},
        }
        deployment_status(session, "Stopped", **failed)  # the waiter's failure
        deployment_status(session, "Stopped", **failed)  # read for the message
        with pytest.raises(DeploymentFailedError) as raised:
            deploy(PROPS, session)
    message = str(raised.value)
    assert f"CodeDeploy deployment {DEPLOYMENT_ID} (prod-orders-api:live 6 -> 7) ended Stopped" in message
    assert "ALARM_ACTIVE" in message and "rolled back by d-ROLLBACK1" in message
    assert "The alias still serves version 6" in message


def test_a_deployment_still_running_at_the_timeout_fails_naming_it(monkeypatch):
    monkeypatch.setattr(botocore.waiter.time, "sleep", lambda _seconds: None)  # the waiter's Delay between polls
    with StubbedSession() as session:
        alias_serves(session, "6")
        session.stubs["codedeploy"].add_response("create_deployment", {"deploymentId": DEPLOYMENT_ID})
        for _ in range(60 + 1):  # timeout_minutes=1 at poll_seconds=1: 60 polls, then one read for the message
            deployment_status(session, "InProgress")
        with pytest.raises(DeploymentFailedError, match=rf"{DEPLOYMENT_ID} .* still in progress after 1 minutes"):
            deploy(PROPS, session)


def test_refresh_records_the_version_the_alias_serves():
    with StubbedSession() as session:
        alias_serves(session, "5")
        assert refreshed(PROPS, session)["current_version"] == "5"


def test_a_changed_target_version_is_an_update_not_a_replacement():
    diff = LambdaDeploymentProvider().diff("id", {**PROPS, "target_version": "6", "status": "Succeeded"}, PROPS)
    assert (diff.changes, diff.replaces) == (True, [])


def test_unchanged_inputs_are_no_change_whatever_the_outputs():
    old = {**PROPS, "deployment_id": DEPLOYMENT_ID, "status": "Succeeded", "current_version": "7", "__provider": "x"}
    assert LambdaDeploymentProvider().diff("id", old, {**PROPS, "__provider": "y"}).changes is False
