"""RestApi: API Gateway REST with Lambda proxy routes, tracing, JSON access logs and throttling."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_aws import apigateway, wafv2
from pulumi_aws import iam as aws_iam

from pulumi_wasp.components import defaults
from pulumi_wasp.components.function import ExistingFunction, InvokeTarget, ServerlessFunction, invoke_permission
from pulumi_wasp.components.shared import children, iam, names
from pulumi_wasp.components.shared.alarms import AlarmSpec, metric_alarm
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.kms import KeyPolicyGrant, customer_key_arn, log_group_key_policy
from pulumi_wasp.components.shared.logs import log_group
from pulumi_wasp.components.shared.tokens import component_type
from pulumi_wasp.components.shared.waf import WafArgs, web_acl

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
    """``METHOD /path`` proxied to a function. Path parameters are ``{name}`` segments.

    The function is a :class:`ServerlessFunction` or an :class:`ExistingFunction`. API Gateway invokes it through
    a ``lambda.Permission`` the API adds (a resource policy), so its role needs nothing and ``role`` is not used.
    Its timeout must be ≤ 29 s (API Gateway's integration timeout): checked for a ServerlessFunction, for an
    ``aws.lambda_.Function`` once known, for a bare ARN only with ``ExistingFunction.timeout_seconds``.
    """

    method: str
    path: str
    function: ServerlessFunction | ExistingFunction
    #: "AWS_IAM" (default: callers sign with SigV4, nothing is anonymous unless asked), "NONE",
    #: "CUSTOM" or "COGNITO_USER_POOLS" (the last two with ``authorizer_id``).
    authorization: str = "AWS_IAM"
    authorizer_id: pulumi.Input[str] | None = None
    #: A JSON schema for the body: API Gateway rejects a non-conforming request before Lambda runs.
    request_schema: Mapping[str, Any] | None = None
    #: Keyword arguments of ``aws.apigateway.Method`` merged over the method's defaults; ``authorization`` NONE
    #: warns naming apigw-authorization.
    method_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Keyword arguments of ``aws.apigateway.Integration`` merged over the proxy integration's defaults.
    integration_overrides: Mapping[str, Any] = field(default_factory=dict)

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
        if isinstance(self.function, ExistingFunction):
            self.function.validate(f"Route {self.key!r}: function")
            if isinstance(self.function.arn, str):
                _invoke_arn(self.function.arn, f"Route {self.key!r}: function.arn")
        message = self.timeout_problem(self.timeout())
        if message:
            raise ValueError(message)

    def timeout(self) -> pulumi.Input[int] | None:
        """The function's timeout: plain, an Output (an ``aws.lambda_.Function``), or None (a bare ARN)."""
        if isinstance(self.function, ServerlessFunction):
            return self.function.args.timeout_seconds
        return self.function.timeout()

    def timeout_problem(self, timeout: object) -> str | None:
        if not isinstance(timeout, int) or timeout <= defaults.API_FUNCTION_MAX_TIMEOUT_SECONDS:
            return None
        return (
            f"Route {self.key!r}: the function's timeout_seconds ({timeout}) exceeds API Gateway's "
            f"{defaults.API_FUNCTION_MAX_TIMEOUT_SECONDS} s integration timeout"
        )

    @property
    def target(self) -> InvokeTarget:
        """What API Gateway invokes: a ServerlessFunction's target (its alias when it has one), an existing
        function resource, or the ARN given (a qualified one keeps its qualifier)."""
        if isinstance(self.function, ServerlessFunction):
            return self.function.target
        if self.function.function is not None:
            return InvokeTarget.of(self.function.function)
        arg = f"Route {self.key!r}: function.arn"
        arn = pulumi.Output.from_input(self.function.function_arn)
        return InvokeTarget(arn, arn.apply(lambda value: _invoke_arn(value, arg)), arn, None)


@dataclass(frozen=True, kw_only=True)
class ExistingRestApi:
    """A REST API the component does not create: an ``aws.apigateway.RestApi``, or its id, root resource id and
    name. Nothing is looked up.

    The component still adds its resources, methods, integrations, permissions, deployment, stage, method
    settings, access log group and alarm on it. From a resource it checks, once known, that an OpenAPI ``body``
    merges (``put_rest_api_mode="merge"``) instead of overwriting the routes the component adds; from bare ids it
    checks nothing (a log line says so): not the body, not the endpoint type, not the API's other stages.
    """

    #: The API as a resource; or leave None and give ``id``, ``root_resource_id`` and ``name``.
    api: apigateway.RestApi | None = None
    id: pulumi.Input[str] | None = None
    #: The id of the API's ``/`` resource, the parent of the routes' first path parts.
    root_resource_id: pulumi.Input[str] | None = None
    #: The API's name: the ``ApiName`` dimension of the 5XX alarm and the component's ``name`` output.
    name: pulumi.Input[str] | None = None

    def validate(self, arg: str) -> None:
        bare = {"id": self.id, "root_resource_id": self.root_resource_id, "name": self.name}
        if self.api is not None and any(value is not None for value in bare.values()):
            raise ValueError(f"{arg}: give api= (a resource) or id=, root_resource_id= and name=, not both")
        missing = [key for key, value in bare.items() if value is None]
        if self.api is None and missing:
            raise ValueError(
                f"{arg}: a bare REST API needs id=, root_resource_id= and name= (no lookup at synthesis); "
                f"missing {', '.join(missing)}"
            )


@dataclass(kw_only=True)
class RestApiArgs:
    """Arguments of :class:`RestApi`."""

    routes: Sequence[Route]
    #: An API the component does not create (see :class:`ExistingRestApi`); a new regional API when None.
    existing_api: ExistingRestApi | None = None
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
    #: ACCESS_LOG_FORMAT, one JSON object per request: Logs Insights queries its fields without parsing. Another
    #: format must still carry ``$context.requestId`` (API Gateway requires it); one that is not JSON warns naming
    #: apigw-structured-access-logs.
    access_log_format: str = ACCESS_LOG_FORMAT
    #: The stage's WAF web ACL: ``WafArgs()`` creates one from AWS's managed rule groups and a per-IP rate limit,
    #: ``WafArgs(web_acl_arn=...)`` associates an existing one. None (the default): no WAF, which the apigw-waf
    #: rule reports; a web ACL costs a monthly fee per ACL and rule plus a fee per request, so it is an explicit
    #: choice per environment (typically production).
    waf: WafArgs | None = None
    #: The ARN of a customer-managed key for the stage's access log group and the log group of the web ACL ``waf``
    #: creates. Default None: CloudWatch Logs' own encryption (no key policy to keep, no KMS cost; the groups hold
    #: request metadata in the access log format, never bodies). The key policy is yours and must let CloudWatch
    #: Logs use the key for these groups: the API cannot edit it, logs so and lists the statement in
    #: ``required_key_policy``.
    kms_key_arn: pulumi.Input[str] | None = None
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
    #: Keyword arguments of ``aws.apigateway.Deployment`` merged over the deployment's defaults (replacing
    #: ``triggers`` means a route change no longer redeploys the stage).
    deployment_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Keyword arguments of ``aws.apigateway.MethodSettings`` (``*/*``) merged over its defaults; ``settings``
    #: replaces the whole block, and leaving out throttling or ERROR logging warns naming apigw-default-throttling
    #: or apigw-execution-logging.
    method_settings_overrides: Mapping[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if self.existing_api is not None:
            self.existing_api.validate("RestApiArgs.existing_api")
            if self.api_overrides:
                raise ValueError("RestApiArgs.api_overrides apply to an API the component creates, not to existing_api")
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
        if "$context.requestId" not in self.access_log_format:
            raise ValueError("RestApiArgs.access_log_format must contain $context.requestId (API Gateway requires it)")
        if not _is_json_object(self.access_log_format):
            pulumi.log.warn(
                "RestApiArgs.access_log_format is not a JSON object: access logs cannot be queried by field "
                "(policy rule apigw-structured-access-logs will flag the stage)"
            )
        if self.waf is not None:
            self.waf.validate("RestApiArgs.waf")
        customer_key_arn(self.kms_key_arn, "RestApiArgs.kms_key_arn")
        if self.kms_key_arn is not None and "kms_key_id" in self.access_log_group_overrides:
            raise ValueError(
                "RestApiArgs: set kms_key_arn or access_log_group_overrides['kms_key_id'] for the access log group, "
                "not both"
            )


class RestApi(pulumi.ComponentResource):
    """A regional REST API whose stage traces, logs as JSON, throttles and (with ``waf``) sits behind a WAF web ACL,
    redeployed whenever the routes change.

    Outputs: ``url`` is the stage's invoke URL, ``arn`` and ``name`` the REST API's; ``api_id`` and
    ``stage`` (its name) besides.

    Example::

        api = RestApi("orders", RestApiArgs(routes=[
            Route("POST", "/orders", orders_fn), Route("GET", "/orders/{id}", orders_fn)]))
        pulumi.export("api_url", api.url)

    With ``existing_api`` the component creates everything but the API itself, on it (see
    :class:`ExistingRestApi` for what it checks); a route's function may be an existing one (:class:`Route`).
    """

    #: The API the component created (None with ``existing_api``).
    api: apigateway.RestApi | None
    stage: apigateway.Stage
    #: The stage's association with its web ACL; None without ``RestApiArgs.waf``.
    web_acl_association: wafv2.WebAclAssociation | None = None
    #: With ``kms_key_arn``: the statement its key policy needs (CloudWatch Logs for the access log group and the
    #: web ACL's), else empty.
    required_key_policy: list[KeyPolicyGrant]
    url: pulumi.Output[str]
    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    api_id: pulumi.Output[str]

    def __init__(self, name: str, args: RestApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("api", "RestApi", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        context = args.context or current_stack_context()
        tags = context.tags_for(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        key_arn = customer_key_arn(args.kms_key_arn, "RestApiArgs.kms_key_arn")
        access_logs = log_group(
            f"{name}-access",
            f"/aws/apigateway/{context.physical_name(name, names.LOG_GROUP_SEGMENT)}/access",
            context=context,
            parent=self,
            tags=tags,
            overrides=args.access_log_group_overrides,
            overrides_arg="RestApiArgs.access_log_group_overrides",
            kms_key_id=key_arn,
        )
        self.api = None
        if args.existing_api is None:
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
            api: _Api = _Api(
                self.api.id, self.api.root_resource_id, self.api.name, self.api.arn, self.api.execution_arn
            )
        else:
            api = self._adopt_api(name, args.existing_api, access_logs.arn)
        self.api_id = pulumi.Output.from_input(api.id)
        resources = self._resources(name, args.routes, api)
        validator = None
        if any(r.request_schema for r in args.routes):
            validator = apigateway.RequestValidator(
                f"{name}-body-validator",
                rest_api=api.id,
                validate_request_body=True,
                validate_request_parameters=True,
                opts=child,
            )
        integrations: list[pulumi.Resource] = []
        for route in args.routes:
            route_name = f"{name}-{route.method.lower()}-{_slug(route.path)}"
            resource_id = resources[tuple(route.segments)] if route.segments else api.root_resource_id
            self._check_backend(name, route)
            models = None
            if route.request_schema is not None:
                model = apigateway.Model(
                    f"{route_name}-model",
                    rest_api=api.id,
                    name=re.sub(r"[^A-Za-z0-9]", "", route_name.title()),
                    content_type="application/json",
                    schema=json.dumps(route.request_schema),
                    opts=child,
                )
                models = {"application/json": model.name}
            method_defaults = {
                "rest_api": api.id,
                "resource_id": resource_id,
                "http_method": route.method,
                "authorization": route.authorization,
                "authorizer_id": route.authorizer_id,
                "request_models": models,
                "request_validator_id": validator.id if (validator and models) else None,
            }
            method = children.create(
                apigateway.Method,
                f"{route_name}-method",
                method_defaults,
                route.method_overrides,
                arg=f"Route {route.key!r}: method_overrides",
                opts=child,
            )
            integrations.append(method)
            integration_defaults = {
                "rest_api": api.id,
                "resource_id": resource_id,
                "http_method": method.http_method,
                "type": "AWS_PROXY",
                "integration_http_method": "POST",
                "uri": route.target.invoke_arn,
            }
            integrations.append(
                children.create(
                    apigateway.Integration,
                    f"{route_name}-integration",
                    integration_defaults,
                    route.integration_overrides,
                    arg=f"Route {route.key!r}: integration_overrides",
                    opts=child,
                )
            )
            # Only this method and path of this API may invoke the function.
            invoke_permission(
                f"{route_name}-permission",
                route.target,
                "apigateway.amazonaws.com",
                source_arn=pulumi.Output.concat(
                    api.execution_arn, "/*/", route.method.replace("ANY", "*"), _arn_path(route.path)
                ),
                parent=self,
            )

        deployment_defaults = {
            "rest_api": api.id,
            # A new deployment whenever a route or its target function changes; otherwise the stage
            # keeps serving the old snapshot.
            "triggers": {
                "routes": pulumi.Output.all(*[r.target.invoke_arn for r in args.routes]).apply(
                    lambda uris: _routes_hash(args.routes, uris)
                )
            },
        }
        deployment = children.create(
            apigateway.Deployment,
            f"{name}-deployment",
            deployment_defaults,
            args.deployment_overrides,
            arg="RestApiArgs.deployment_overrides",
            opts=pulumi.ResourceOptions(parent=self, depends_on=integrations),
        )
        settings_dependencies: list[pulumi.Resource] = []
        if args.manage_account_log_role:
            settings_dependencies.append(self._account_log_role(name, tags, context))
        stage_defaults = {
            "rest_api": api.id,
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
        method_settings_defaults = {
            "rest_api": api.id,
            "stage_name": self.stage.stage_name,
            "method_path": "*/*",
            "settings": {
                "metrics_enabled": True,
                "logging_level": args.logging_level,
                "data_trace_enabled": False,
                "throttling_rate_limit": args.throttle_rate_limit,
                "throttling_burst_limit": args.throttle_burst_limit,
            },
        }
        children.create(
            apigateway.MethodSettings,
            f"{name}-method-settings",
            method_settings_defaults,
            args.method_settings_overrides,
            arg="RestApiArgs.method_settings_overrides",
            opts=pulumi.ResourceOptions(parent=self, depends_on=settings_dependencies),
        )
        log_group_arns = [access_logs.arn]
        if args.waf is not None:
            acl = web_acl(
                name,
                args.waf,
                context=context,
                parent=self,
                tags=tags,
                overrides_arg="RestApiArgs.waf.web_acl_overrides",
                kms_key_id=key_arn,
            )
            if acl.log_group is not None:
                log_group_arns.append(acl.log_group.arn)
            self.web_acl_association = wafv2.WebAclAssociation(
                f"{name}-waf-association",
                resource_arn=self.stage.arn,
                web_acl_arn=acl.arn,
                opts=child,
            )
        self.required_key_policy = []
        if key_arn is not None:
            # CloudWatch Logs encrypts as itself: only the key's policy can let it, for these groups only.
            self.required_key_policy.append(
                log_group_key_policy(f"RestApi {name}", "RestApiArgs.kms_key_arn", key_arn, *log_group_arns)
            )
        metric_alarm(
            name,
            AlarmSpec(
                suffix="5xx",
                metric_name="5XXError",
                namespace="AWS/ApiGateway",
                dimensions={"ApiName": api.name, "Stage": self.stage.stage_name},
                threshold=1,
                description="The API answered 5XX: a handler failed or timed out.",
            ),
            context=context,
            parent=self,
            tags=tags,
        )
        self.arn, self.name, self.url = (
            pulumi.Output.from_input(api.arn),
            pulumi.Output.from_input(api.name),
            self.stage.invoke_url,
        )
        outputs = {"arn": self.arn, "name": self.name, "url": self.url}
        self.register_outputs({**outputs, "api_id": self.api_id, "stage": self.stage.stage_name})

    def _adopt_api(self, name: str, existing: ExistingRestApi, log_group_arn: pulumi.Output[str]) -> _Api:
        """The ids and ARNs of an existing API: read from its resource, or derived from its id (the API is in the
        deploying account and region, those of the access log group the component created)."""
        if existing.api is not None:
            resource = existing.api
            children.check_known(
                pulumi.Output.all(resource.body, resource.put_rest_api_mode),
                lambda pair: _body_problem(name, pair[0], pair[1]),
            )
            return _Api(resource.id, resource.root_resource_id, resource.name, resource.arn, resource.execution_arn)
        children.not_checked(
            f"RestApi {name}",
            "the API's OpenAPI body (it would overwrite the routes unless merged), its endpoint type, its other stages",
        )
        assert existing.id is not None and existing.root_resource_id is not None and existing.name is not None
        where = pulumi.Output.all(log_group_arn, existing.id).apply(lambda pair: (pair[0].split(":"), pair[1]))
        return _Api(
            existing.id,
            existing.root_resource_id,
            existing.name,
            where.apply(lambda w: f"arn:{w[0][1]}:apigateway:{w[0][3]}::/restapis/{w[1]}"),
            where.apply(lambda w: f"arn:{w[0][1]}:execute-api:{w[0][3]}:{w[0][4]}:{w[1]}"),
        )

    def _check_backend(self, name: str, route: Route) -> None:
        """The function's timeout against the integration's, where only the engine knows it (or nobody does)."""
        timeout = route.timeout()
        if isinstance(timeout, pulumi.Output):
            children.check_known(timeout, route.timeout_problem)
        elif timeout is None:
            children.not_checked(
                f"RestApi {name}",
                f"the timeout of route {route.key!r}'s function (≤ {defaults.API_FUNCTION_MAX_TIMEOUT_SECONDS} s; "
                "give ExistingFunction.timeout_seconds to check it)",
            )

    def _resources(self, name: str, routes: Sequence[Route], api: _Api) -> dict[tuple[str, ...], pulumi.Input[str]]:
        """One API resource per distinct path prefix, parents before children."""
        ids: dict[tuple[str, ...], pulumi.Input[str]] = {}
        prefixes = sorted({tuple(r.segments[:i]) for r in routes for i in range(1, len(r.segments) + 1)}, key=len)
        for prefix in prefixes:
            parent_id = ids[prefix[:-1]] if len(prefix) > 1 else api.root_resource_id
            resource = apigateway.Resource(
                f"{name}-{_slug('/'.join(prefix))}",
                rest_api=api.id,
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


@dataclass(frozen=True)
class _Api:
    """What the component uses of the API, created or existing."""

    id: pulumi.Input[str]
    root_resource_id: pulumi.Input[str]
    name: pulumi.Input[str]
    arn: pulumi.Input[str]
    execution_arn: pulumi.Input[str]


def _body_problem(name: str, body: str | None, mode: str | None) -> str | None:
    if not body or mode == "merge":
        return None
    return (
        f"RestApi {name}: RestApiArgs.existing_api has an OpenAPI body and put_rest_api_mode {mode or 'overwrite'!r}: "
        "the API's body would replace the routes the component adds whenever it is applied; give the API "
        "put_rest_api_mode='merge'"
    )


def _invoke_arn(function_arn: str, arg: str) -> str:
    """The API Gateway URI invoking a function, from its ARN (arn:<partition>:lambda:<region>:...)."""
    parts = function_arn.split(":")
    if len(parts) < 7 or parts[2] != "lambda" or parts[5] != "function":
        raise ValueError(
            f"{arg} must be a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>), got {function_arn!r}"
        )
    return f"arn:{parts[1]}:apigateway:{parts[3]}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


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
