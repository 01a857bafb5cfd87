"""RestApi: API Gateway REST with Lambda proxy routes, tracing, JSON access logs and throttling."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_aws import apigateway, lambda_
from pulumi_aws import iam as aws_iam

from pulumi_wasp.components import defaults
from pulumi_wasp.components.function import ServerlessFunction
from pulumi_wasp.components.shared import children, iam, names
from pulumi_wasp.components.shared.alarms import AlarmSpec, metric_alarm
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.logs import log_group
from pulumi_wasp.components.shared.tokens import component_type

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
_SEGMENT = re.compile(r"^(\{[A-Za-z_][A-Za-z0-9_]*\+?\}|[A-Za-z0-9._~-]+)$")

#: One JSON object per request: CloudWatch Logs Insights queries fields without parsing text.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "integrationLatency": "$context.integration.latency",
        "integrationError": "$context.integration.error",
        "xrayTraceId": "$context.xrayTraceId",
    }
)


@dataclass(frozen=True)
class Route:
    """``METHOD /path`` proxied to a function. Path parameters are ``{name}`` segments."""

    method: str
    path: str
    function: ServerlessFunction
    #: "AWS_IAM" (default: callers sign with SigV4, nothing is anonymous unless asked), "NONE",
    #: "CUSTOM" or "COGNITO_USER_POOLS" (the last two with ``authorizer_id``).
    authorization: str = "AWS_IAM"
    authorizer_id: pulumi.Input[str] | None = None
    #: A JSON schema for the body: API Gateway rejects a non-conforming request before Lambda runs.
    request_schema: Mapping[str, Any] | None = None

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def segments(self) -> list[str]:
        return [s for s in self.path.split("/") if s]

    def validate(self) -> None:
        if self.method not in _METHODS:
            raise ValueError(f"Route {self.key!r}: method must be one of {', '.join(_METHODS)}")
        if not self.path.startswith("/"):
            raise ValueError(f"Route {self.key!r}: path must start with '/'")
        for segment in self.segments:
            if not _SEGMENT.match(segment):
                raise ValueError(f"Route {self.key!r}: path segment {segment!r} is not a literal or a {{parameter}}")
        if self.authorization not in ("NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"):
            raise ValueError(f"Route {self.key!r}: unknown authorization {self.authorization!r}")
        if self.authorization in ("CUSTOM", "COGNITO_USER_POOLS") and self.authorizer_id is None:
            raise ValueError(f"Route {self.key!r}: authorization {self.authorization} needs authorizer_id")
        timeout = self.function.args.timeout_seconds
        if timeout > defaults.API_FUNCTION_MAX_TIMEOUT_SECONDS:
            raise ValueError(
                f"Route {self.key!r}: the function's timeout_seconds ({timeout}) exceeds API Gateway's "
                f"{defaults.API_FUNCTION_MAX_TIMEOUT_SECONDS} s integration timeout"
            )


@dataclass(kw_only=True)
class RestApiArgs:
    """Arguments of :class:`RestApi`."""

    routes: Sequence[Route]
    #: defaults.API_STAGE_NAME ("api").
    stage_name: str = defaults.API_STAGE_NAME
    #: defaults.API_THROTTLE_RATE_LIMIT / _BURST_LIMIT (1000 / 2000, the seed's): stage-wide
    #: throttling protects the backend from spikes and runaway clients.
    throttle_rate_limit: float = defaults.API_THROTTLE_RATE_LIMIT
    throttle_burst_limit: int = defaults.API_THROTTLE_BURST_LIMIT
    #: defaults.API_LOGGING_LEVEL (ERROR): execution logs without bodies (data trace stays off: PII).
    logging_level: str = defaults.API_LOGGING_LEVEL
    #: Execution logging needs the account-wide API Gateway CloudWatch role, one per account and
    #: region: create it here only if no other stack manages it (False by default).
    manage_account_log_role: bool = False
    #: JSON access log format (ACCESS_LOG_FORMAT).
    access_log_format: str = ACCESS_LOG_FORMAT
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None
    #: Keyword arguments of ``aws.apigateway.RestApi`` merged over the API's defaults (``tags`` merge, other keys
    #: replace); an unknown key is an error.
    api_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Keyword arguments of ``aws.apigateway.Stage`` merged over the stage's defaults; turning tracing off warns
    #: naming apigw-tracing.
    stage_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Keyword arguments of ``aws.cloudwatch.LogGroup`` merged over the access log group's defaults.
    access_log_group_overrides: Mapping[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if not self.routes:
            raise ValueError("RestApiArgs.routes is empty: an API needs at least one route")
        seen: set[str] = set()
        slugs: dict[str, str] = {}
        for route in self.routes:
            route.validate()
            if route.key in seen:
                raise ValueError(f"RestApiArgs.routes: duplicate route {route.key!r}")
            seen.add(route.key)
            # Resource names derive from the path without braces: /orders/{id} and /orders/id would collide,
            # and API Gateway rejects sibling parameters with different names anyway.
            for depth in range(1, len(route.segments) + 1):
                prefix = "/".join(route.segments[:depth])
                other = slugs.setdefault(_slug(prefix), prefix)
                if other != prefix:
                    raise ValueError(
                        f"RestApiArgs.routes: paths '/{other}' and '/{prefix}' cannot both exist in one API"
                    )
        if self.logging_level not in ("OFF", "ERROR", "INFO"):
            raise ValueError(f"RestApiArgs.logging_level must be OFF, ERROR or INFO, got {self.logging_level!r}")
        if self.throttle_rate_limit <= 0 or self.throttle_burst_limit <= 0:
            raise ValueError(
                "RestApiArgs.throttle_rate_limit and throttle_burst_limit must be > 0 (0 blocks every request)"
            )
        if not re.match(r"^[A-Za-z0-9_]+$", self.stage_name):
            raise ValueError(f"RestApiArgs.stage_name must be alphanumeric/underscore, got {self.stage_name!r}")
        names.check_given(self.stage_name, names.API_STAGE, "RestApiArgs.stage_name")


class RestApi(pulumi.ComponentResource):
    """A regional REST API whose stage traces, logs as JSON and throttles, redeployed whenever
    the routes change.

    Outputs: ``url`` is the stage's invoke URL, ``arn`` and ``name`` the REST API's; ``api_id`` and
    ``stage`` (its name) besides.

    Example::

        api = RestApi("orders", RestApiArgs(routes=[
            Route("POST", "/orders", orders_fn), Route("GET", "/orders/{id}", orders_fn)]))
        pulumi.export("api_url", api.url)
    """

    api: apigateway.RestApi
    stage: apigateway.Stage
    url: pulumi.Output[str]
    arn: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(self, name: str, args: RestApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("api", "RestApi", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        context = args.context or current_stack_context()
        tags = context.tags_for(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        api_defaults = {
            "name": context.auto_name(f"{name}-api", names.REST_API),
            "endpoint_configuration": {"types": "REGIONAL"},
            "tags": tags,
        }
        self.api = children.create(
            apigateway.RestApi,
            f"{name}-api",
            api_defaults,
            args.api_overrides,
            arg="RestApiArgs.api_overrides",
            opts=child,
        )
        resources = self._resources(name, args.routes)
        validator = None
        if any(r.request_schema for r in args.routes):
            validator = apigateway.RequestValidator(
                f"{name}-body-validator",
                rest_api=self.api.id,
                validate_request_body=True,
                validate_request_parameters=True,
                opts=child,
            )
        integrations: list[pulumi.Resource] = []
        for route in args.routes:
            route_name = f"{name}-{route.method.lower()}-{_slug(route.path)}"
            resource_id = resources[tuple(route.segments)] if route.segments else self.api.root_resource_id
            models = None
            if route.request_schema is not None:
                model = apigateway.Model(
                    f"{route_name}-model",
                    rest_api=self.api.id,
                    name=re.sub(r"[^A-Za-z0-9]", "", route_name.title()),
                    content_type="application/json",
                    schema=json.dumps(route.request_schema),
                    opts=child,
                )
                models = {"application/json": model.name}
            method = apigateway.Method(
                f"{route_name}-method",
                rest_api=self.api.id,
                resource_id=resource_id,
                http_method=route.method,
                authorization=route.authorization,
                authorizer_id=route.authorizer_id,
                request_models=models,
                request_validator_id=validator.id if (validator and models) else None,
                opts=child,
            )
            integrations.append(method)
            integrations.append(
                apigateway.Integration(
                    f"{route_name}-integration",
                    rest_api=self.api.id,
                    resource_id=resource_id,
                    http_method=method.http_method,
                    type="AWS_PROXY",
                    integration_http_method="POST",
                    uri=route.function.invoke_arn,
                    opts=child,
                )
            )
            # Only this method and path of this API may invoke the function.
            lambda_.Permission(
                f"{route_name}-permission",
                action="lambda:InvokeFunction",
                function=route.function.name,
                principal="apigateway.amazonaws.com",
                source_arn=pulumi.Output.concat(
                    self.api.execution_arn, "/*/", route.method.replace("ANY", "*"), _arn_path(route.path)
                ),
                opts=child,
            )

        deployment = apigateway.Deployment(
            f"{name}-deployment",
            rest_api=self.api.id,
            # A new deployment whenever a route or its target function changes; otherwise the stage
            # keeps serving the old snapshot.
            triggers={
                "routes": pulumi.Output.all(*[r.function.invoke_arn for r in args.routes]).apply(
                    lambda uris: _routes_hash(args.routes, uris)
                )
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=integrations),
        )
        access_logs = log_group(
            f"{name}-access",
            f"/aws/apigateway/{context.physical_name(name, names.LOG_GROUP_SEGMENT)}/access",
            context=context,
            parent=self,
            tags=tags,
            overrides=args.access_log_group_overrides,
            overrides_arg="RestApiArgs.access_log_group_overrides",
        )
        settings_dependencies: list[pulumi.Resource] = []
        if args.manage_account_log_role:
            settings_dependencies.append(self._account_log_role(name, tags, context))
        stage_defaults = {
            "rest_api": self.api.id,
            "deployment": deployment.id,
            "stage_name": args.stage_name,
            "xray_tracing_enabled": True,
            "access_log_settings": {"destination_arn": access_logs.arn, "format": args.access_log_format},
            "tags": tags,
        }
        self.stage = children.create(
            apigateway.Stage,
            f"{name}-stage",
            stage_defaults,
            args.stage_overrides,
            arg="RestApiArgs.stage_overrides",
            opts=pulumi.ResourceOptions(parent=self, depends_on=settings_dependencies),
        )
        apigateway.MethodSettings(
            f"{name}-method-settings",
            rest_api=self.api.id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings={
                "metrics_enabled": True,
                "logging_level": args.logging_level,
                "data_trace_enabled": False,
                "throttling_rate_limit": args.throttle_rate_limit,
                "throttling_burst_limit": args.throttle_burst_limit,
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=settings_dependencies),
        )
        metric_alarm(
            name,
            AlarmSpec(
                suffix="5xx",
                metric_name="5XXError",
                namespace="AWS/ApiGateway",
                dimensions={"ApiName": self.api.name, "Stage": self.stage.stage_name},
                threshold=1,
                description="The API answered 5XX: a handler failed or timed out.",
            ),
            context=context,
            parent=self,
            tags=tags,
        )
        self.arn, self.name, self.url = self.api.arn, self.api.name, self.stage.invoke_url
        outputs = {"arn": self.arn, "name": self.name, "url": self.url}
        self.register_outputs({**outputs, "api_id": self.api.id, "stage": self.stage.stage_name})

    def _resources(self, name: str, routes: Sequence[Route]) -> dict[tuple[str, ...], pulumi.Output[str]]:
        """One API resource per distinct path prefix, parents before children."""
        ids: dict[tuple[str, ...], pulumi.Output[str]] = {}
        prefixes = sorted({tuple(r.segments[:i]) for r in routes for i in range(1, len(r.segments) + 1)}, key=len)
        for prefix in prefixes:
            parent_id = ids[prefix[:-1]] if len(prefix) > 1 else self.api.root_resource_id
            resource = apigateway.Resource(
                f"{name}-{_slug('/'.join(prefix))}",
                rest_api=self.api.id,
                parent_id=parent_id,
                path_part=prefix[-1],
                opts=pulumi.ResourceOptions(parent=self),
            )
            ids[prefix] = resource.id
        return ids

    def _account_log_role(self, name: str, tags: dict[str, str], context: StackContext) -> pulumi.Resource:
        # Account-wide settings: kept when this stack is destroyed, so the region's other APIs keep logging.
        kept = pulumi.ResourceOptions(parent=self, retain_on_delete=True)
        role = aws_iam.Role(
            f"{name}-cloudwatch-role",
            **context.role_settings(f"{name}-cloudwatch-role"),
            assume_role_policy=iam.trust_policy("apigateway.amazonaws.com"),
            tags=tags,
            opts=kept,
        )
        attachment = aws_iam.RolePolicyAttachment(
            f"{name}-cloudwatch-role-logs",
            role=role.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
            opts=kept,
        )
        return apigateway.Account(
            f"{name}-account",
            cloudwatch_role_arn=role.arn,
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True, depends_on=[attachment]),
        )


def _slug(path: str) -> str:
    slug = re.sub(r"[{}+]", "", path.strip("/")).replace("/", "-")
    return slug or "root"


def _arn_path(path: str) -> str:
    """``/orders/{id}`` → ``/orders/*``: the execute-api ARN form of a templated path."""
    return re.sub(r"\{[^}]+\}", "*", path)


def _routes_hash(routes: Sequence[Route], integration_uris: Sequence[str]) -> str:
    spec = sorted(
        f"{r.key} {r.authorization} {json.dumps(r.request_schema, sort_keys=True)} {uri}"
        for r, uri in zip(routes, integration_uris, strict=True)
    )
    return hashlib.sha256("\n".join(spec).encode()).hexdigest()
