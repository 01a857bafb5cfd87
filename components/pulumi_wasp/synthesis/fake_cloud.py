"""Mocks that answer like AWS would: realistic ids, ARNs, URLs and names (or, for a first
preview, nothing computed at all)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from pulumi_wasp.adapters.pulumi import dynamic_resource_type
from pulumi_wasp.synthesis.program import StackConfig

ACCOUNT_ID = "123456789012"
#: The one dynamic-provider resource of the components (components.shared.lambda_deployment.TYPE).
LAMBDA_DEPLOYMENT_TYPE = dynamic_resource_type("wasp", "LambdaDeployment")
DEFAULT_REGION = "us-east-1"

Outputs = dict[str, Any]


def _suffix(*parts: str, length: int = 7) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


class FakeCloud(Mocks):
    """Deterministic AWS-shaped outputs for every resource; inputs are echoed as outputs.

    Physical names follow Pulumi's auto-naming (logical name + 7 characters) unless the
    program set one, so output-derived values (ARNs in policies, URLs in env vars, alarm
    dimensions) look real. The engine fills in an auto-name before the provider sees the
    inputs, which mocks never get: every shape of a resource with an auto-named ``name``
    returns it.
    """

    def __init__(self, region: str = DEFAULT_REGION, account_id: str = ACCOUNT_ID) -> None:
        self.region = region
        self.account_id = account_id

    @classmethod
    def for_stack(cls, config: StackConfig) -> FakeCloud:
        """Outputs in the stack's configured region."""
        return cls(region=config.values.get("aws:region", DEFAULT_REGION))

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, Outputs]:
        if not args.custom:
            return "", {}
        outputs = dict(args.inputs)
        if args.typ == LAMBDA_DEPLOYMENT_TYPE:
            resource_id, computed = _lambda_deployment(self, args)
            return resource_id, {**outputs, **computed}
        service_type = args.typ.split(":")[1] if args.typ.startswith("aws:") else ""
        shape = _SHAPES.get(service_type)
        if shape is None:
            outputs.setdefault("arn", self._arn(service_type.split("/")[0] or "unknown", args.name))
            return f"{args.name}-{_suffix(args.typ, args.name)}", outputs
        resource_id, computed = shape(self, args)
        outputs.update(computed)
        return resource_id, outputs

    def call(self, args: MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": self.account_id,
                "arn": f"arn:aws:iam::{self.account_id}:root",
                "userId": "AIDAFAKE",
                "id": self.account_id,
            }, []
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": self.region, "region": self.region, "id": self.region}, []
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, []
        return {}, []

    # -- helpers shared by the shapes ------------------------------------------------------
    def _arn(self, service: str, resource: str, *, regional: bool = True, account: bool = True) -> str:
        region = self.region if regional else ""
        acct = self.account_id if account else ""
        return f"arn:aws:{service}:{region}:{acct}:{resource}"

    @staticmethod
    def physical_name(args: MockResourceArgs, key: str = "name") -> str:
        explicit = args.inputs.get(key)
        if isinstance(explicit, str) and explicit:
            return explicit
        prefix = args.inputs.get(f"{key}Prefix")
        if isinstance(prefix, str) and prefix:
            return f"{prefix}{_suffix(args.typ, args.name, length=26)}"
        return f"{args.name}-{_suffix(args.typ, args.name)}"


Shape = Callable[[FakeCloud, MockResourceArgs], tuple[str, Outputs]]


def _queue(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = cloud.physical_name(args)
    if args.inputs.get("fifoQueue") and not name.endswith(".fifo"):
        name += ".fifo"
    url = f"https://sqs.{cloud.region}.amazonaws.com/{cloud.account_id}/{name}"
    return url, {"name": name, "url": url, "arn": cloud._arn("sqs", name)}


def _topic(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = cloud.physical_name(args)
    arn = cloud._arn("sns", name)
    return arn, {"name": name, "arn": arn}


def _subscription(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    arn = f"{args.inputs.get('topic', cloud._arn('sns', 'topic'))}:{_suffix(args.name, length=36)}"
    return arn, {"arn": arn}


def _function(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = cloud.physical_name(args)
    arn = cloud._arn("lambda", f"function:{name}")
    # A function that publishes has its first version right after create; one that does not serves $LATEST.
    version = "1" if args.inputs.get("publish") else "$LATEST"
    return name, {
        "name": name,
        "arn": arn,
        "qualifiedArn": f"{arn}:{version}",
        "invokeArn": _invoke_arn(cloud, arn),
        "qualifiedInvokeArn": _invoke_arn(cloud, f"{arn}:{version}"),
        "version": version,
    }


def _invoke_arn(cloud: FakeCloud, function_arn: str) -> str:
    return f"arn:aws:apigateway:{cloud.region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def _alias(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    function, alias = args.inputs.get("functionName", ""), args.inputs.get("name", "")
    arn = cloud._arn("lambda", f"function:{function}:{alias}")
    return arn, {"arn": arn, "invokeArn": _invoke_arn(cloud, arn)}


def _codedeploy_application(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = cloud.physical_name(args)
    return _suffix(args.typ, name, length=36), {"name": name, "arn": cloud._arn("codedeploy", f"application:{name}")}


def _deployment_group(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    app, group = args.inputs.get("appName", ""), args.inputs.get("deploymentGroupName", "")
    arn = cloud._arn("codedeploy", f"deploymentgroup:{app}/{group}")
    return f"{app}:{group}", {"arn": arn, "deploymentGroupId": _suffix(arn, length=36)}


def _lambda_deployment(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    """The CodeDeploy deployment of a new version (components.shared.lambda_deployment): on a first deploy the
    alias is created on the target version, so none is needed."""
    function, alias = args.inputs.get("function_name", ""), args.inputs.get("alias_name", "")
    version = args.inputs.get("target_version", "")
    return f"{function}:{alias}", {"deployment_id": "", "status": "NotNeeded", "current_version": version}


def _role(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = cloud.physical_name(args)
    return name, {
        "name": name,
        "arn": cloud._arn("iam", f"role/{name}", regional=False),
        "uniqueId": f"AROA{_suffix(name, length=17).upper()}",
    }


def _log_group(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = cloud.physical_name(args)
    return name, {"name": name, "arn": cloud._arn("logs", f"log-group:{name}")}


def _table(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = cloud.physical_name(args)
    arn = cloud._arn("dynamodb", f"table/{name}")
    outputs: Outputs = {"name": name, "arn": arn}
    if args.inputs.get("streamEnabled"):
        outputs.update(streamArn=f"{arn}/stream/2026-01-01T00:00:00.000", streamLabel="2026-01-01T00:00:00.000")
    return name, outputs


def _bucket(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = cloud.physical_name(args, "bucket").lower()
    return name, {
        "bucket": name,
        "arn": f"arn:aws:s3:::{name}",
        "bucketDomainName": f"{name}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{name}.s3.{cloud.region}.amazonaws.com",
    }


def _named_arn(service: str, kind: str) -> Shape:
    def shape(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
        name = cloud.physical_name(args)
        return name, {"name": name, "arn": cloud._arn(service, f"{kind}{name}")}

    return shape


def _event_rule(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = cloud.physical_name(args)
    bus = args.inputs.get("eventBusName") or "default"
    path = f"rule/{name}" if bus == "default" else f"rule/{bus}/{name}"
    return f"{bus}/{name}", {"name": name, "arn": cloud._arn("events", path)}


def _state_machine(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = cloud.physical_name(args)
    arn = cloud._arn("states", f"stateMachine:{name}")
    return arn, {"name": name, "arn": arn}


def _rest_api(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    api_id = _suffix(args.typ, args.name, length=10)
    return api_id, {
        # CloudWatch's ApiName dimension: the API's name, not its id.
        "name": cloud.physical_name(args),
        "rootResourceId": _suffix(args.name, "root", length=10),
        "executionArn": cloud._arn("execute-api", api_id),
        "arn": f"arn:aws:apigateway:{cloud.region}::/restapis/{api_id}",
    }


def _named_id(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    """A resource known by a generated id and named within its parent (API models and validators)."""
    return _suffix(args.typ, args.name, length=6), {"name": cloud.physical_name(args)}


def _role_policy(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = cloud.physical_name(args)
    return f"{args.inputs.get('role', '')}:{name}", {"name": name}


def _api_resource(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    return _suffix(args.typ, args.name, length=6), {"path": f"/{args.inputs.get('pathPart', '')}"}


def _stage(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    api_id, stage = args.inputs.get("restApi", ""), args.inputs.get("stageName", "")
    return f"ags-{api_id}-{stage}", {
        "invokeUrl": f"https://{api_id}.execute-api.{cloud.region}.amazonaws.com/{stage}",
        "executionArn": cloud._arn("execute-api", f"{api_id}/{stage}"),
        "arn": f"arn:aws:apigateway:{cloud.region}::/restapis/{api_id}/stages/{stage}",
    }


def _stream(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = cloud.physical_name(args)
    arn = cloud._arn("kinesis", f"stream/{name}")
    return arn, {"name": name, "arn": arn}


def _mapping(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    uuid = _suffix(args.typ, args.name, length=32)
    return uuid, {"uuid": uuid, "arn": cloud._arn("lambda", f"event-source-mapping:{uuid}")}


def _dashboard(cloud: FakeCloud, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = args.inputs.get("dashboardName") or cloud.physical_name(args)
    return name, {"dashboardArn": f"arn:aws:cloudwatch::{cloud.account_id}:dashboard/{name}"}


_SHAPES: dict[str, Shape] = {
    "sqs/queue": _queue,
    "sns/topic": _topic,
    "sns/topicSubscription": _subscription,
    "lambda/function": _function,
    "lambda/eventSourceMapping": _mapping,
    "lambda/alias": _alias,
    "codedeploy/application": _codedeploy_application,
    "codedeploy/deploymentGroup": _deployment_group,
    "iam/role": _role,
    "iam/rolePolicy": _role_policy,
    "cloudwatch/logGroup": _log_group,
    "cloudwatch/metricAlarm": _named_arn("cloudwatch", "alarm:"),
    "cloudwatch/eventBus": _named_arn("events", "event-bus/"),
    "cloudwatch/eventRule": _event_rule,
    "cloudwatch/eventArchive": _named_arn("events", "archive/"),
    "cloudwatch/dashboard": _dashboard,
    "dynamodb/table": _table,
    "s3/bucket": _bucket,
    "sfn/stateMachine": _state_machine,
    "apigateway/restApi": _rest_api,
    "apigateway/model": _named_id,
    "apigateway/requestValidator": _named_id,
    "apigateway/resource": _api_resource,
    "apigateway/stage": _stage,
    "kinesis/stream": _stream,
    "secretsmanager/secret": _named_arn("secretsmanager", "secret:"),
    "schemas/registry": _named_arn("schemas", "registry/"),
    "schemas/schema": _named_arn("schemas", "schema/"),
    "scheduler/schedule": _named_arn("scheduler", "schedule/default/"),
    "scheduler/scheduleGroup": _named_arn("scheduler", "schedule-group/"),
    "kms/key": _named_arn("kms", "key/"),
}


class FirstDeploy(Mocks):
    """A first ``pulumi preview``: nothing exists yet, so every computed output stays unknown
    and only the inputs the program gave are known (as the engine answers during preview)."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, Outputs]:
        return "", dict(args.inputs) if args.custom else {}

    def call(self, args: MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        return FakeCloud().call(args)
