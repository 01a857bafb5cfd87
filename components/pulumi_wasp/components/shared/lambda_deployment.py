"""A CodeDeploy deployment of a Lambda alias as a Pulumi resource: pulumi_aws has none, and Pulumi has no
CloudFormation UpdatePolicy, so this dynamic provider is what moves the alias under ``pulumi up``.

Its inputs are keyed on the version the function just published (``target_version``): when it changes, the
provider reads the version the alias serves (GetAlias), asks CodeDeploy to shift the alias from it to the new one
(CreateDeployment with the AppSpec of :func:`appspec`) and waits for the deployment to end (boto3's
``deployment_successful`` waiter). A deployment that fails, is stopped or rolls back (on failure or on alarm)
fails ``pulumi up`` with an error naming the deployment id; the resource keeps its previous state, so the next
``pulumi up`` tries the same version again. The alias itself ignores ``function_version`` changes: CodeDeploy
owns it after creation.

The provider runs in the engine's dynamic-provider process, not in the program: it gets the region as an input
(the stack's ``aws:region``) and the credentials from the environment the ``pulumi`` CLI runs in (boto3's
default chain: environment variables, ``AWS_PROFILE`` or the ``aws:profile`` input, SSO, instance roles). An
``aws:assumeRole`` of the provider configuration is not applied here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi.dynamic

from pulumi_wasp.adapters.pulumi import dynamic_resource_type

#: The resource's type token (the synthesis mocks and the local cloud answer for it).
TYPE = dynamic_resource_type("wasp", "LambdaDeployment")
#: What the resource reports: never an input, so never a reason to deploy.
OUTPUTS = ("deployment_id", "status", "current_version")
#: AppSpec hook events CodeDeploy runs for Lambda, in order, keyed by the input naming the hook function.
HOOK_EVENTS = {"pre_traffic_hook": "BeforeAllowTraffic", "post_traffic_hook": "AfterAllowTraffic"}
#: Status of a deployment that was not needed: the alias already served the target version.
NOT_NEEDED = "NotNeeded"


class DeploymentFailedError(Exception):
    """A CodeDeploy deployment that did not succeed; the message names its id, status and rollback."""


def appspec(props: Mapping[str, Any], current_version: str) -> dict[str, Any]:
    """The AppSpec of a Lambda deployment: shift ``alias_name`` of ``function_name`` from ``current_version``
    to ``target_version``, with the hooks named in ``props``."""
    spec: dict[str, Any] = {
        "version": 0.0,
        "Resources": [
            {
                props["function_name"]: {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Name": props["function_name"],
                        "Alias": props["alias_name"],
                        "CurrentVersion": current_version,
                        "TargetVersion": props["target_version"],
                    },
                }
            }
        ],
    }
    hooks = [{event: props[key]} for key, event in HOOK_EVENTS.items() if props.get(key)]
    if hooks:
        spec["Hooks"] = hooks
    return spec


def _session(props: Mapping[str, Any]) -> Any:
    try:
        import boto3
    except ImportError as exc:  # the program checked at synthesis; the provider's process may differ
        raise RuntimeError("LambdaDeployment needs boto3 where pulumi runs: pip install 'pulumi-wasp[deploy]'") from exc
    return boto3.session.Session(region_name=props["region"], profile_name=props.get("profile") or None)


def deploy(props: Mapping[str, Any], session: Any = None) -> dict[str, Any]:
    """Shift the alias to ``target_version`` through CodeDeploy and wait; the resource's outputs.

    ``session`` is a boto3 session (tests pass one whose clients are stubbed).
    """
    session = session or _session(props)
    lambda_client, codedeploy = session.client("lambda"), session.client("codedeploy")
    current = lambda_client.get_alias(FunctionName=props["function_name"], Name=props["alias_name"])["FunctionVersion"]
    outputs = {**props, "current_version": current}
    if current == props["target_version"]:
        return {**outputs, "deployment_id": "", "status": NOT_NEEDED}
    content = json.dumps(appspec(props, current), sort_keys=True)
    created = codedeploy.create_deployment(
        applicationName=props["application_name"],
        deploymentGroupName=props["deployment_group_name"],
        revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": content}},
        description=f"{props['function_name']}:{props['alias_name']} {current} -> {props['target_version']} (pulumi up)",
    )
    deployment_id = created["deploymentId"]
    poll = int(props["poll_seconds"])
    try:
        codedeploy.get_waiter("deployment_successful").wait(
            deploymentId=deployment_id,
            WaiterConfig={"Delay": poll, "MaxAttempts": max(1, math.ceil(int(props["timeout_minutes"]) * 60 / poll))},
        )
    except Exception as exc:  # botocore's WaiterError, or a client error while polling
        raise DeploymentFailedError(_failure(codedeploy, deployment_id, props, current, exc)) from exc
    return {
        **outputs,
        "current_version": props["target_version"],
        "deployment_id": deployment_id,
        "status": "Succeeded",
    }


def _failure(codedeploy: Any, deployment_id: str, props: Mapping[str, Any], current: str, exc: Exception) -> str:
    what = f"{props['function_name']}:{props['alias_name']} {current} -> {props['target_version']}"
    try:
        info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    except Exception:  # the message still names the deployment, with the waiter's own reason
        return f"CodeDeploy deployment {deployment_id} ({what}) did not succeed: {exc}"
    error = info.get("errorInformation") or {}
    rollback = info.get("rollbackInfo") or {}
    parts = [f"CodeDeploy deployment {deployment_id} ({what}) ended {info.get('status', 'unknown')}"]
    if error:
        parts.append(f"{error.get('code', 'error')}: {error.get('message', '')}".rstrip(": "))
    if rollback.get("rollbackDeploymentId") or rollback.get("rollbackMessage"):
        parts.append(
            f"rolled back by {rollback.get('rollbackDeploymentId', 'CodeDeploy')}: {rollback.get('rollbackMessage', '')}"
        )
    if info.get("status") == "InProgress":
        parts.append(f"still in progress after {props['timeout_minutes']} minutes (raise timeout_minutes)")
    return "; ".join(parts) + f". The alias still serves version {current}; `pulumi up` again retries."


def refreshed(props: Mapping[str, Any], session: Any = None) -> dict[str, Any]:
    """The state ``pulumi refresh`` records: the version the alias serves now (``current_version``)."""
    session = session or _session(props)
    alias = session.client("lambda").get_alias(FunctionName=props["function_name"], Name=props["alias_name"])
    return {**props, "current_version": alias["FunctionVersion"]}


class LambdaDeploymentProvider(pulumi.dynamic.ResourceProvider):
    """Create and update run a deployment (:func:`deploy`); delete leaves the alias as it is (a deployment is
    history: the alias and the deployment group are deleted by their own resources)."""

    # Nothing secret is captured: the provider is plain code, its inputs are names and versions.
    serialize_as_secret_always = False

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        outputs = deploy(props)
        return pulumi.dynamic.CreateResult(f"{props['function_name']}:{props['alias_name']}", outputs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        # Any changed input is an update; one that leaves the target version alone deploys nothing (NotNeeded).
        changed = any(olds.get(key) != value for key, value in news.items() if key not in OUTPUTS and key[:2] != "__")
        return pulumi.dynamic.DiffResult(changes=changed, replaces=[], delete_before_replace=False)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        return pulumi.dynamic.UpdateResult(deploy(news))

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        return pulumi.dynamic.ReadResult(id_, refreshed(props))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class LambdaDeployment(pulumi.dynamic.Resource, module="wasp", name="LambdaDeployment"):
    """The deployment that brings ``target_version`` to the alias (type ``pulumi-python:dynamic/wasp:
    LambdaDeployment``). Outputs: ``deployment_id`` (empty when none was needed), ``status`` and
    ``current_version``, the version the alias serves."""

    deployment_id: pulumi.Output[str]
    status: pulumi.Output[str]
    current_version: pulumi.Output[str]

    def __init__(self, name: str, props: Mapping[str, pulumi.Input[Any]], opts: pulumi.ResourceOptions) -> None:
        super().__init__(LambdaDeploymentProvider(), name, {**props, **dict.fromkeys(OUTPUTS)}, opts)
