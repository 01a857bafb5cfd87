"""API Gateway (REST): APIs, resources, methods, integrations, deployments and stages live in
the emulator; each API gets a loopback port for the local gateway, so its stage URL is real."""

from __future__ import annotations

import socket

from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import Creator, DeployContext, Outputs, compact, physical_name, tags, value
from pulumi_wasp.localcloud.deploy.registry import Api


def _listener() -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    return listener


def rest_api(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args)
    types = (value(args, "endpointConfiguration") or {}).get("types") or ["REGIONAL"]
    api = ctx.client("apigateway").create_rest_api(
        name=name,
        endpointConfiguration={"types": [types] if isinstance(types, str) else types},
        tags=tags(args),
        **compact(description=value(args, "description")),
    )
    ctx.registry.record("apis", api["id"], Api(id=api["id"], name=name, listener=_listener()))
    return api["id"], {
        "name": name,
        "rootResourceId": api["rootResourceId"],
        "executionArn": ctx.arn("execute-api", api["id"]),
        "arn": f"arn:aws:apigateway:{ctx.region}::/restapis/{api['id']}",
        "createdDate": api["createdDate"].isoformat(),
    }


def resource(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    created = ctx.client("apigateway").create_resource(
        restApiId=value(args, "restApi"), parentId=value(args, "parentId"), pathPart=value(args, "pathPart")
    )
    return created["id"], {"path": created["path"]}


def method(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    api_id, resource_id, http_method = value(args, "restApi"), value(args, "resourceId"), value(args, "httpMethod")
    ctx.client("apigateway").put_method(
        restApiId=api_id,
        resourceId=resource_id,
        httpMethod=http_method,
        authorizationType=value(args, "authorization"),
        **compact(
            authorizerId=value(args, "authorizerId"),
            requestModels=value(args, "requestModels"),
            requestValidatorId=value(args, "requestValidatorId"),
            apiKeyRequired=value(args, "apiKeyRequired"),
        ),
    )
    return f"agm-{api_id}-{resource_id}-{http_method}", {}


def integration(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    api_id, resource_id, http_method = value(args, "restApi"), value(args, "resourceId"), value(args, "httpMethod")
    ctx.client("apigateway").put_integration(
        restApiId=api_id,
        resourceId=resource_id,
        httpMethod=http_method,
        type=value(args, "type"),
        **compact(integrationHttpMethod=value(args, "integrationHttpMethod"), uri=value(args, "uri")),
    )
    return f"agi-{api_id}-{resource_id}-{http_method}", {}


def deployment(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    created = ctx.client("apigateway").create_deployment(
        restApiId=value(args, "restApi"), **compact(description=value(args, "description"))
    )
    return created["id"], {"createdDate": created["createdDate"].isoformat()}


def stage(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    api_id, name = value(args, "restApi"), value(args, "stageName")
    ctx.client("apigateway").create_stage(
        restApiId=api_id,
        stageName=name,
        deploymentId=value(args, "deployment"),
        tracingEnabled=bool(value(args, "xrayTracingEnabled")),
        tags=tags(args),
    )
    api = ctx.registry.apis[api_id]
    api.stages.append(name)
    return f"ags-{api_id}-{name}", {
        "invokeUrl": f"{api.base_url}/{name}",
        "executionArn": ctx.arn("execute-api", f"{api_id}/{name}"),
        "arn": f"arn:aws:apigateway:{ctx.region}::/restapis/{api_id}/stages/{name}",
    }


def _text(raw: object) -> str:
    """A patch operation's value: booleans lowercase, whole numbers without ".0" (moto parses ints)."""
    if isinstance(raw, bool):
        return str(raw).lower()
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def method_settings(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    api_id, stage_name, path = value(args, "restApi"), value(args, "stageName"), value(args, "methodPath")
    settings = value(args, "settings") or {}
    names = {
        "metricsEnabled": "metrics/enabled",
        "loggingLevel": "logging/loglevel",
        "dataTraceEnabled": "logging/dataTrace",
        "throttlingRateLimit": "throttling/rateLimit",
        "throttlingBurstLimit": "throttling/burstLimit",
    }
    operations = [
        {"op": "replace", "path": f"/{path}/{names[key]}", "value": _text(raw)}
        for key, raw in settings.items()
        if key in names
    ]
    ctx.client("apigateway").update_stage(restApiId=api_id, stageName=stage_name, patchOperations=operations)
    return f"{api_id}-{stage_name}-{path}", {}


def request_validator(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    created = ctx.client("apigateway").create_request_validator(
        restApiId=value(args, "restApi"),
        name=physical_name(args),
        validateRequestBody=bool(value(args, "validateRequestBody")),
        validateRequestParameters=bool(value(args, "validateRequestParameters")),
    )
    return created["id"], {}


def model(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    created = ctx.client("apigateway").create_model(
        restApiId=value(args, "restApi"),
        name=value(args, "name"),
        contentType=value(args, "contentType"),
        schema=value(args, "schema"),
    )
    return created["id"], {}


def account(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    role = value(args, "cloudwatchRoleArn")
    ctx.client("apigateway").update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role}]
    )
    return "api-gateway-account", {}


#: One cheap read per service: loads its model on both sides before the deploy's threads need it.
WARM_UP = {"apigateway": "get_rest_apis"}
RESOURCES: dict[str, Creator] = {
    "aws:apigateway/restApi:RestApi": rest_api,
    "aws:apigateway/resource:Resource": resource,
    "aws:apigateway/method:Method": method,
    "aws:apigateway/integration:Integration": integration,
    "aws:apigateway/deployment:Deployment": deployment,
    "aws:apigateway/stage:Stage": stage,
    "aws:apigateway/methodSettings:MethodSettings": method_settings,
    "aws:apigateway/requestValidator:RequestValidator": request_validator,
    "aws:apigateway/model:Model": model,
    "aws:apigateway/account:Account": account,
}
