"""API Gateway: REST stages (tracing, access and execution logs, throttling, WAF), methods (authorization,
request validation), functions behind integrations, and HTTP API (v2) stages (access logs, throttling)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from .aws_types import (
    FUNCTION,
    HTTP_API_INTEGRATION,
    HTTP_API_STAGE,
    INTEGRATION,
    METHOD,
    METHOD_SETTINGS,
    REQUEST_VALIDATOR,
    STAGE,
    WEB_ACL_ASSOCIATION,
)
from .common import (
    ADVISORY,
    MANDATORY,
    Config,
    Finding,
    Res,
    Stack,
    environment_of,
    environments_config,
    in_environments,
    integer,
    number,
    number_or,
    raw,
    resource_rule,
    show,
    stack_rule,
    violation,
)
from .lambda_rules import aliases_of

JSON_ACCESS_LOG_EXAMPLE = '{"requestId": "$context.requestId", "status": "$context.status", ...}'
DEFAULT_FUNCTION_TIMEOUT = 3
THROTTLING_BOUNDS = {
    "max_rate_limit": integer(10000, 1, description="Largest steady-state requests per second allowed."),
    "max_burst_limit": integer(5000, 1, description="Largest burst allowed."),
}
THROTTLING_LIMITS = (("throttlingRateLimit", "max_rate_limit"), ("throttlingBurstLimit", "max_burst_limit"))
#: Methods whose requests carry a body to validate (ANY includes them).
BODY_METHODS = ("POST", "PUT", "PATCH", "ANY")
#: ``$context.<name>`` variables of an access log format; each stands for a value once logged.
CONTEXT_VARIABLE = re.compile(r"\$context\.[A-Za-z0-9_.]+")


def _trace_stage(stage: Res, config: Config) -> dict[str, Any] | None:
    return None if stage.get("xrayTracingEnabled") is True else {"xrayTracingEnabled": True}


@resource_rule(
    "apigw-tracing",
    types=[STAGE],
    description="REST API stages record X-Ray traces.",
    level=MANDATORY,
    fix="Set xray_tracing_enabled=True on the stage.",
    pillar="operational-excellence",
    anchors="SR WS2002, CKV_AWS_73",
    remediate=_trace_stage,
)
def tracing(stage: Res, config: Config) -> Iterator[str]:
    if stage.get("xrayTracingEnabled") is not True:
        found = stage.get("xrayTracingEnabled")
        yield violation(stage, "xrayTracingEnabled", found, "true", "set xray_tracing_enabled=True")


@resource_rule(
    "apigw-access-logging",
    types=[STAGE],
    description="REST API stages write access logs (a destination and a format; JSON recommended).",
    level=MANDATORY,
    fix="Set access_log_settings with destination_arn (a log group with retention) and a JSON format.",
    pillar="operational-excellence",
    anchors="SR ES2000/WS2001",
)
def access_logging(stage: Res, config: Config) -> Iterator[str]:
    return _access_log_findings(stage)


def _access_log_findings(stage: Res) -> Iterator[str]:
    if not stage.get("accessLogSettings", "destinationArn"):
        yield violation(
            stage,
            "accessLogSettings.destinationArn",
            None,
            "a CloudWatch log group ARN",
            "set access_log_settings.destination_arn to a log group with retention",
        )
    if not stage.get("accessLogSettings", "format"):
        yield violation(
            stage,
            "accessLogSettings.format",
            None,
            f"a log format, preferably JSON such as {JSON_ACCESS_LOG_EXAMPLE} (queryable in Logs Insights)",
            "set access_log_settings.format to a JSON format",
        )


@resource_rule(
    "apigw-structured-access-logs",
    types=[STAGE, HTTP_API_STAGE],
    description="Access log formats (REST and HTTP API stages) are JSON objects, so Logs Insights finds every field.",
    level=ADVISORY,
    fix=f"Set access_log_settings.format to a JSON object of $context variables, e.g. {JSON_ACCESS_LOG_EXAMPLE}.",
    pillar="operational-excellence",
    anchors="SR WS2001 (API Gateway structured logging)",
)
def structured_access_logs(stage: Res, config: Config) -> Iterator[str]:
    log_format = stage.get("accessLogSettings", "format")
    if not isinstance(log_format, str) or not log_format:
        return  # no format at all is apigw-access-logging's (or apigwv2-access-logging's) finding
    if not _is_json_object(log_format):
        yield violation(
            stage,
            "accessLogSettings.format",
            log_format,
            f"a JSON object such as {JSON_ACCESS_LOG_EXAMPLE}",
            "rewrite the format as a JSON object with one key per $context variable",
        )


def _is_json_object(log_format: str) -> bool:
    """The format is a JSON object once its variables are logged (quoted ones become strings, bare ones
    numbers: ``"status": $context.status`` is valid JSON for a number)."""
    try:
        return isinstance(json.loads(CONTEXT_VARIABLE.sub("0", log_format)), dict)
    except ValueError:
        return False


def _stage_settings(stack: Stack, stage: Res) -> list[Res]:
    """The MethodSettings of ``stage``: by property dependency, else by the same API and stage name."""
    found = [res for res, prop in stack.referrers(stage, METHOD_SETTINGS) if prop == "stageName"]
    if found:
        return found
    return [
        ms
        for ms in stack.of_type(METHOD_SETTINGS)
        if ms.get("stageName") == stage.get("stageName") and ms.get("restApi") == stage.get("restApi")
    ]


@stack_rule(
    "apigw-default-throttling",
    types=[STAGE],
    description="Each REST API stage sets default throttling (MethodSettings */*) with burst and rate within bounds.",
    level=MANDATORY,
    fix='Add apigateway.MethodSettings(method_path="*/*", settings={"throttling_rate_limit": ..., '
    '"throttling_burst_limit": ...}) for the stage.',
    pillar="reliability",
    anchors="SR ES2003, NAG APIGWDefaultThrottling",
    config=THROTTLING_BOUNDS,
)
def default_throttling(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(stage: Res) -> Iterator[str]:
        defaults = [ms for ms in _stage_settings(stack, stage) if ms.get("methodPath") == "*/*"]
        if not defaults:
            yield violation(
                stage,
                'MethodSettings "*/*"',
                None,
                "stage-wide throttling limits (otherwise only the account-wide limit protects the backends)",
                'add MethodSettings(method_path="*/*") with throttling_rate_limit and throttling_burst_limit',
            )
        for settings in defaults:
            yield from _limit_findings(settings, "settings", "settings", config)

    return stack.each([STAGE], check)


@resource_rule(
    "apigw-execution-logging",
    types=[METHOD_SETTINGS],
    description="API execution logs are on at ERROR or INFO, without data trace (it logs bodies: PII).",
    level=ADVISORY,
    fix='Set settings.logging_level="ERROR" (or "INFO") and settings.data_trace_enabled=False.',
    pillar="operational-excellence",
    anchors="AwsSolutions-APIG6",
)
def execution_logging(settings: Res, config: Config) -> Iterator[str]:
    level = settings.get("settings", "loggingLevel")
    if level not in ("ERROR", "INFO"):
        yield violation(settings, "settings.loggingLevel", level, '"ERROR" or "INFO"', 'set logging_level="ERROR"')
    if settings.get("settings", "dataTraceEnabled") is True:
        yield violation(
            settings,
            "settings.dataTraceEnabled",
            True,
            "false (data trace logs full request and response bodies)",
            "set data_trace_enabled=False",
        )


#: The property through which each kind of API integration names the function it invokes.
INTEGRATION_URIS = {INTEGRATION: "uri", HTTP_API_INTEGRATION: "integrationUri"}


def api_integrations(stack: Stack, fn: Res, aliases: Sequence[Res], *types: str) -> list[Res]:
    """The integrations (of ``types``, default REST and HTTP APIs') that invoke ``fn`` or one of its ``aliases``."""
    kinds = types or tuple(INTEGRATION_URIS)
    found = {
        res.urn: res
        for subject in (fn, *aliases)
        for res, prop in stack.referrers(subject, *kinds)
        if prop == INTEGRATION_URIS[res.type]
    }
    return sorted(found.values(), key=lambda res: res.name)


@stack_rule(
    "apigw-lambda-timeout",
    types=[FUNCTION],
    description="A function behind an API Gateway integration times out before the integration does (≤ 29 s).",
    level=MANDATORY,
    fix="Lower the function's timeout to at most 29 s (move long work behind a queue and return 202).",
    pillar="reliability",
    anchors="seed (29 s maximum)",
    config={"max_seconds": integer(29, 1, description="The integration timeout of the API (29 s by default).")},
)
def lambda_timeout(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(fn: Res) -> Iterator[str]:
        integrations = api_integrations(stack, fn, aliases_of(stack, fn), INTEGRATION)
        if not integrations:
            return
        timeout = number_or(fn.get("timeout"), DEFAULT_FUNCTION_TIMEOUT)
        if timeout > config["max_seconds"]:
            names = ", ".join(sorted(i.name for i in integrations))
            yield violation(
                fn,
                "timeout",
                timeout,
                f"at most {show(config['max_seconds'])} s (behind integration {names}: the client gets a 504 first)",
                f"set timeout to {show(config['max_seconds'])} or less",
            )

    return stack.each([FUNCTION], check)


@resource_rule(
    "apigw-authorization",
    types=[METHOD],
    description="API methods use an authorizer, or carry an exemption saying why not (e.g. signed webhooks).",
    level=ADVISORY,
    fix='Set authorization ("AWS_IAM", "COGNITO_USER_POOLS" or "CUSTOM" with authorizer_id), or exempt the '
    'method in pack config: {"exemptions": {"apigw-authorization": [{"name_pattern": ..., "reason": ...}]}}.',
    pillar="security",
    anchors="AwsSolutions-APIG4",
)
def authorization(method: Res, config: Config) -> Iterator[str]:
    if method.get("httpMethod") == "OPTIONS":
        return  # CORS preflight requests carry no credentials
    kind = method.get("authorization")
    if kind in (None, "NONE") and not method.get("authorizerId"):
        yield violation(
            method,
            "authorization",
            kind,
            '"AWS_IAM", "COGNITO_USER_POOLS" or "CUSTOM"',
            "add an authorizer, or exempt the method in pack config (exemptions.apigw-authorization) with the reason",
        )


def _validates_body(stack: Stack, method: Res) -> bool:
    validators = stack.targets(method, "requestValidatorId", REQUEST_VALIDATOR)
    return any(validator.get("validateRequestBody") is True for validator in validators)


@stack_rule(
    "apigw-request-validation",
    types=[METHOD],
    description="REST API methods that take a body validate it before the backend runs (a validator and a model).",
    level=ADVISORY,
    fix="Add apigateway.RequestValidator(validate_request_body=True) and an apigateway.Model (JSON schema), then set "
    'the method\'s request_validator_id and request_models={"application/json": <model name>}.',
    pillar="security",
    anchors="AwsSolutions-APIG2",
)
def request_validation(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(method: Res) -> Iterator[str]:
        verb = method.get("httpMethod")
        if verb not in BODY_METHODS:
            return
        if not _validates_body(stack, method):
            yield violation(
                method,
                "requestValidatorId",
                method.get("requestValidatorId"),
                f"a RequestValidator with validateRequestBody true ({verb} requests reach the backend unchecked)",
                "add a RequestValidator(validate_request_body=True) and set request_validator_id",
            )
        if not raw(method.get("requestModels")):
            yield violation(
                method,
                "requestModels",
                None,
                "a model (JSON schema) per content type, which the validator checks the body against",
                'set request_models={"application/json": <model name>}',
            )

    return stack.each([METHOD], check)


def _environment(stage: Res, tag: str) -> str:
    """The environment a stage serves: its environment tag, else its stage name (unknown: not evaluated)."""
    return environment_of(stage, tag) or str(stage.get("stageName") or "")


@stack_rule(
    "apigw-waf",
    types=[STAGE],
    description="REST API stages of the configured environments are protected by a WAF web ACL.",
    level=ADVISORY,
    fix="Add a wafv2.WebAcl (scope REGIONAL) with AWS managed rule groups (AWSManagedRulesCommonRuleSet, "
    "AWSManagedRulesKnownBadInputsRuleSet) and a wafv2.WebAclAssociation(resource_arn=stage.arn, web_acl_arn=...).",
    pillar="security",
    anchors="AwsSolutions-APIG3, CKV2_AWS_29",
    config=environments_config("stages", ", else its stage name"),
)
def waf(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(stage: Res) -> Iterator[str]:
        environment = _environment(stage, config["environment_tag"])
        if not in_environments(environment, config):
            return
        associations = [a for a, prop in stack.referrers(stage, WEB_ACL_ASSOCIATION) if prop == "resourceArn"]
        if not associations and not stage.get("webAclArn"):
            yield violation(
                stage,
                "web ACL",
                None,
                f"a wafv2.WebAclAssociation for the stage (environment {environment!r} is in environments)",
                "associate a regional web ACL with AWS managed rule groups with the stage",
            )

    return stack.each([STAGE], check)


# -- HTTP APIs (API Gateway v2) -------------------------------------------------------------------------------


@resource_rule(
    "apigwv2-access-logging",
    types=[HTTP_API_STAGE],
    description="HTTP API stages write access logs (a destination and a format; JSON recommended).",
    level=MANDATORY,
    fix="Set access_log_settings with destination_arn (a log group with retention) and a JSON format.",
    pillar="operational-excellence",
    anchors="SR ES2000/WS2001 (HTTP), AwsSolutions-APIG1",
)
def http_access_logging(stage: Res, config: Config) -> Iterator[str]:
    return _access_log_findings(stage)


@resource_rule(
    "apigwv2-default-throttling",
    types=[HTTP_API_STAGE],
    description="HTTP API stages set default route throttling with burst and rate within bounds.",
    level=MANDATORY,
    fix='Set default_route_settings={"throttling_rate_limit": ..., "throttling_burst_limit": ...} on the stage.',
    pillar="reliability",
    anchors="SR ES2003 (HTTP)",
    config=THROTTLING_BOUNDS,
)
def http_default_throttling(stage: Res, config: Config) -> Iterator[str]:
    return _limit_findings(stage, "defaultRouteSettings", "default_route_settings", config)


def _limit_findings(holder: Res, prop: str, arg: str, config: Config) -> Iterator[str]:
    """Each throttling limit under ``holder.prop`` that is unset (or -1, the provider's "unset") or out of bounds."""
    for limit, bound in THROTTLING_LIMITS:
        value = number(holder.get(prop, limit))
        if value is None or not 0 < value <= config[bound]:
            yield violation(
                holder,
                f"{prop}.{limit}",
                None if value == -1 else value,
                f"greater than 0 and at most {show(config[bound])} (otherwise only the account-wide limit applies)",
                f"set {arg}.{limit} for the stage's expected peak",
            )


RULES = (
    tracing,
    access_logging,
    structured_access_logs,
    default_throttling,
    execution_logging,
    lambda_timeout,
    authorization,
    request_validation,
    waf,
    http_access_logging,
    http_default_throttling,
)
