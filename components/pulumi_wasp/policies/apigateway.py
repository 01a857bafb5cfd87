"""API Gateway (REST): tracing, access and execution logs, default throttling, Lambda timeouts, authorization."""

from __future__ import annotations

from collections.abc import Iterator

from .aws_types import FUNCTION, INTEGRATION, METHOD, METHOD_SETTINGS, STAGE
from .common import (
    ADVISORY,
    MANDATORY,
    Config,
    Finding,
    Res,
    Stack,
    integer,
    number,
    number_or,
    resource_rule,
    show,
    stack_rule,
    violation,
)

JSON_ACCESS_LOG_EXAMPLE = '{"requestId": "$context.requestId", "status": "$context.status", ...}'
DEFAULT_FUNCTION_TIMEOUT = 3


@resource_rule(
    "apigw-tracing",
    types=[STAGE],
    description="REST API stages record X-Ray traces.",
    level=MANDATORY,
    fix="Set xray_tracing_enabled=True on the stage.",
    pillar="operational-excellence",
    anchors="SR WS2002, CKV_AWS_73",
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
    config={
        "max_rate_limit": integer(10000, 1, description="Largest steady-state requests per second allowed."),
        "max_burst_limit": integer(5000, 1, description="Largest burst allowed."),
    },
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
            for prop, bound in (("throttlingRateLimit", "max_rate_limit"), ("throttlingBurstLimit", "max_burst_limit")):
                value = number(settings.get("settings", prop))
                if value is None or not 0 < value <= config[bound]:
                    yield violation(
                        settings,
                        f"settings.{prop}",
                        None if value == -1 else value,
                        f"greater than 0 and at most {show(config[bound])}",
                        f"set settings.{prop} for the stage's expected peak",
                    )

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
        integrations = [res for res, prop in stack.referrers(fn, INTEGRATION) if prop == "uri"]
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


RULES = (tracing, access_logging, default_throttling, execution_logging, lambda_timeout, authorization)
