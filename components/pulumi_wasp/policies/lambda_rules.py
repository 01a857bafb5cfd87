"""Lambda: tracing, concurrency, sizing, runtimes, logs, async failures, IAM scope, invocation permissions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..iam_reference import star_only, wildcard_matches
from .aws_types import (
    ALIAS,
    BUCKET_NOTIFICATION,
    EVENT_TARGET,
    FUNCTION,
    FUNCTION_URL,
    IAM_POLICY,
    INVOKE_CONFIG,
    LOG_GROUP,
    METRIC_ALARM,
    PERMISSION,
    ROLE,
    ROLE_POLICY,
    ROLE_POLICY_ATTACHMENT,
    SCHEDULE,
    SUBSCRIPTION,
)
from .common import (
    ADVISORY,
    MANDATORY,
    Config,
    Finding,
    Res,
    Stack,
    Text,
    alarm_metrics,
    as_list,
    integer,
    json_doc,
    number,
    raw,
    resource_rule,
    show,
    stack_rule,
    string_list,
    violation,
)

# Runtimes past their deprecation date (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html).
DEPRECATED_RUNTIMES = (
    "python2.7", "python3.6", "python3.7", "python3.8", "python3.9",
    "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x",
    "nodejs14.x", "nodejs16.x", "nodejs18.x",
    "java8", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet5.0", "dotnet6", "dotnet7",
    "go1.x", "ruby2.5", "ruby2.7",
)  # fmt: skip
ASYNC_PRINCIPALS = ("events.amazonaws.com", "sns.amazonaws.com", "s3.amazonaws.com", "scheduler.amazonaws.com")
ALLOWED_STAR_RESOURCE_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "cloudwatch:PutMetricData",
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
)
# AWS-managed policies whose documents the stack cannot show: what each is known to grant.
MANAGED_GRANTS = {
    "AdministratorAccess": ("*", "*"),
    "PowerUserAccess": ("*", "*"),
    "service-role/AWSLambdaBasicExecutionRole": ("logs:CreateLogGroup", "*"),
}
AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"


def _trace_function(fn: Res, config: Config) -> dict[str, Any] | None:
    if fn.get("tracingConfig", "mode") == "Active":
        return None
    return {"tracingConfig": {**(raw(fn.get("tracingConfig")) or {}), "mode": "Active"}}


@resource_rule(
    "lambda-tracing-active",
    types=[FUNCTION],
    description="Lambda functions record X-Ray traces (tracingConfig.mode Active).",
    level=MANDATORY,
    fix='Set tracing_config={"mode": "Active"} and allow xray:PutTraceSegments/PutTelemetryRecords in the role.',
    pillar="operational-excellence",
    anchors="SR WS1000, NAG Serverless-LambdaTracing, CKV_AWS_50",
    remediate=_trace_function,
)
def tracing_active(fn: Res, config: Config) -> Iterator[str]:
    mode = fn.get("tracingConfig", "mode")
    if mode is None:
        yield violation(fn, "tracingConfig.mode", None, '"Active"', 'set tracing_config={"mode": "Active"}')
    elif mode == "PassThrough":
        yield violation(
            fn,
            "tracingConfig.mode",
            mode,
            '"Active" (PassThrough only traces requests an upstream service already sampled)',
            'set tracing_config={"mode": "Active"}',
        )
    elif mode != "Active":
        yield violation(fn, "tracingConfig.mode", mode, '"Active"', 'set tracing_config={"mode": "Active"}')


@resource_rule(
    "lambda-reserved-concurrency",
    types=[FUNCTION],
    description="Lambda functions reserve concurrency (≥ 1 and ≤ max), so one cannot starve the others.",
    level=MANDATORY,
    fix="Set reserved_concurrent_executions to the function's expected peak (at least 1).",
    pillar="reliability",
    anchors="NAG NIST LambdaConcurrency, CKV_AWS_115",
    config={"max": integer(1000, 1, description="Largest reservation allowed for one function.")},
)
def reserved_concurrency(fn: Res, config: Config) -> Iterator[str]:
    value = number(fn.get("reservedConcurrentExecutions"))
    fix = "set reserved_concurrent_executions to the function's expected peak"
    wanted = f"between 1 and {show(config['max'])}"
    if value is None or value == -1:
        yield violation(fn, "reservedConcurrentExecutions", None, wanted + " (unreserved shares the account pool)", fix)
    elif value == 0:
        yield violation(fn, "reservedConcurrentExecutions", value, wanted + " (0 throttles every invocation)", fix)
    elif value < 1 or value > config["max"]:
        yield violation(fn, "reservedConcurrentExecutions", value, wanted, fix)


@resource_rule(
    "lambda-explicit-memory",
    types=[FUNCTION],
    description="Lambda functions set memorySize explicitly, within bounds (memory also buys CPU).",
    level=ADVISORY,
    fix="Set memory_size after measuring (AWS Lambda Power Tuning); the default 128 MB is rarely the cheapest.",
    pillar="performance-efficiency",
    anchors="SR ES1005",
    config={
        "min": integer(128, 128, 10240, "Smallest memory size allowed (MB)."),
        "max": integer(10240, 128, 10240, "Largest memory size allowed (MB)."),
    },
)
def explicit_memory(fn: Res, config: Config) -> Iterator[str]:
    value = number(fn.get("memorySize"))
    wanted = f"set, between {show(config['min'])} and {show(config['max'])} MB"
    if value is None or not config["min"] <= value <= config["max"]:
        yield violation(fn, "memorySize", value, wanted, "set memory_size explicitly (e.g. 256) after measuring")


@resource_rule(
    "lambda-explicit-timeout",
    types=[FUNCTION],
    description="Lambda functions set timeout explicitly (the 3 s default is rarely right), at most max.",
    level=ADVISORY,
    fix="Set timeout to a little above the p99 duration; keep it below the caller's own timeout.",
    pillar="reliability",
    anchors="SR ES1006",
    config={"max": integer(900, 1, 900, "Longest timeout allowed (seconds).")},
)
def explicit_timeout(fn: Res, config: Config) -> Iterator[str]:
    value = number(fn.get("timeout"))
    if value is None or not 1 <= value <= config["max"]:
        wanted = f"set, between 1 and {show(config['max'])} seconds"
        yield violation(fn, "timeout", value, wanted, "set timeout explicitly, a little above the p99 duration")


@resource_rule(
    "lambda-supported-runtime",
    types=[FUNCTION],
    description="Lambda functions use a runtime AWS still supports with security patches.",
    level=MANDATORY,
    fix="Move to a supported runtime (e.g. python3.12 or newer, nodejs22.x) and redeploy.",
    pillar="security",
    anchors="SR E2531, NAG LambdaLatestVersion",
    config={"deprecated": string_list(DEPRECATED_RUNTIMES, "Runtimes treated as deprecated.")},
)
def supported_runtime(fn: Res, config: Config) -> Iterator[str]:
    if fn.get("packageType") == "Image":
        return
    runtime = fn.get("runtime")
    if isinstance(runtime, str) and not runtime.startswith("provided") and runtime in config["deprecated"]:
        yield violation(fn, "runtime", runtime, "a supported runtime", "upgrade the runtime (e.g. python3.12)")


@resource_rule(
    "lambda-arm64",
    types=[FUNCTION],
    description="Lambda functions run on Graviton (arm64): cheaper per GB-second and usually faster.",
    level=ADVISORY,
    fix='Set architectures=["arm64"] (rebuild native dependencies for arm64; use the arm64 Powertools layer).',
    pillar="cost-optimization",
    anchors="",
)
def arm64(fn: Res, config: Config) -> Iterator[str]:
    architectures = raw(fn.get("architectures"))
    if architectures != ["arm64"]:
        found = architectures if architectures else None
        yield violation(fn, "architectures", found, '["arm64"] (the default is x86_64)', 'set architectures=["arm64"]')


@resource_rule(
    "lambda-powertools-service-name",
    types=[FUNCTION],
    description="Lambda functions name their service for Powertools logs, metrics and traces.",
    level=ADVISORY,
    fix="Set environment.variables.POWERTOOLS_SERVICE_NAME to the function's service name.",
    pillar="operational-excellence",
    anchors="",
)
def powertools_service_name(fn: Res, config: Config) -> Iterator[str]:
    value = fn.get("environment", "variables", "POWERTOOLS_SERVICE_NAME")
    if not value:
        yield violation(
            fn,
            "environment.variables.POWERTOOLS_SERVICE_NAME",
            value,
            "the service's name",
            "add POWERTOOLS_SERVICE_NAME to the function's environment variables",
        )


@resource_rule(
    "lambda-permission-source-arn",
    types=[PERMISSION],
    description="Lambda permissions for AWS services are scoped to the invoking resource (confused deputy).",
    level=MANDATORY,
    fix="Set source_arn to the invoking resource's ARN (for S3 also source_account).",
    pillar="security",
    anchors="CRP lambda-permission-configure-source-arn",
)
def permission_source_arn(permission: Res, config: Config) -> Iterator[str]:
    principal = permission.get("principal")
    if not isinstance(principal, str) or not principal.endswith(".amazonaws.com"):
        return
    if not permission.get("sourceArn"):
        yield violation(
            permission,
            "sourceArn",
            None,
            f"the ARN of the {principal} resource allowed to invoke",
            "set source_arn (e.g. the rule, topic, bucket or API execution ARN)",
        )
    if principal == "s3.amazonaws.com" and not permission.get("sourceAccount"):
        yield violation(
            permission,
            "sourceAccount",
            None,
            "the bucket owner's account id (bucket ARNs carry no account)",
            "set source_account to the account that owns the bucket",
        )


@resource_rule(
    "lambda-public-permission",
    types=[PERMISSION],
    description="No Lambda permission lets anyone invoke the function (principal '*' or a wildcard account).",
    level=MANDATORY,
    fix="Name the invoking account, role or service as principal; keeping principal '*' needs a condition: "
    "source_arn, source_account or principal_org_id.",
    pillar="security",
    anchors="NAG LambdaFunctionPublicAccessProhibited, AWS Config lambda-function-public-access-prohibited, "
    "Control Tower CT.LAMBDA.PR.2",
)
def public_permission(permission: Res, config: Config) -> Iterator[str]:
    principal = permission.get("principal")
    if not isinstance(principal, str) or "*" not in principal:
        return  # a named principal; a service without a source is lambda-permission-source-arn's finding
    if permission.get("principalOrgId") or permission.get("sourceAccount") or permission.get("sourceArn"):
        return  # a condition confines the callers to an organization, an account or one resource
    if permission.get("action") == "lambda:InvokeFunctionUrl" and permission.get("functionUrlAuthType") == "NONE":
        return  # the public function URL that needs it is lambda-function-url-auth's finding: one cause, one finding
    yield violation(
        permission,
        "principal",
        principal,
        "a named account, role or service, or a condition (anyone with an AWS account could invoke the function)",
        "set principal to the invoker, or keep '*' with source_arn, source_account or principal_org_id",
    )


@resource_rule(
    "lambda-function-url-auth",
    types=[FUNCTION_URL],
    description="Lambda function URLs require IAM authorization.",
    level=MANDATORY,
    fix='Set authorization_type="AWS_IAM" (front public endpoints with API Gateway or CloudFront instead).',
    pillar="security",
    anchors="NAG LambdaFunctionUrlAuth",
)
def function_url_auth(url: Res, config: Config) -> Iterator[str]:
    value = url.get("authorizationType")
    if value != "AWS_IAM":
        yield violation(url, "authorizationType", value, '"AWS_IAM"', 'set authorization_type="AWS_IAM"')


# -- Stack rules ------------------------------------------------------------------------------------------


@stack_rule(
    "lambda-log-retention",
    types=[FUNCTION],
    description="Each Lambda function's log group is declared in the stack with a bounded retention.",
    level=MANDATORY,
    fix="Declare aws.cloudwatch.LogGroup('/aws/lambda/<name>', retention_in_days=...) before the function "
    "(or point logging_config.log_group at one).",
    pillar="cost-optimization",
    anchors="SR WS1004, NAG LogGroupRetention",
    config={
        "min_days": integer(7, 1, description="Shortest retention allowed (days)."),
        "max_days": integer(3653, 1, description="Longest retention allowed (days)."),
    },
)
def log_retention(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(fn: Res) -> Iterator[str]:
        groups = stack.targets(fn, "loggingConfig", LOG_GROUP)
        wanted = f"between {show(config['min_days'])} and {show(config['max_days'])} days"
        if not groups:
            name = fn.get("loggingConfig", "logGroup") or f"/aws/lambda/{fn.known('name')}"
            groups = [group for group in stack.identified_by(name) if group.type == LOG_GROUP]
            if not groups:
                yield violation(
                    fn,
                    f"log group {name}",
                    Text("missing"),
                    f"declared in the stack with retention {wanted} (Lambda creates it with 'Never expire')",
                    f"declare aws.cloudwatch.LogGroup named {name} with retention_in_days, before the function",
                )
        for group in groups:
            days = number(group.get("retentionInDays"))
            if days is None or days == 0 or not config["min_days"] <= days <= config["max_days"]:
                yield violation(
                    group, "retentionInDays", days, wanted, f"set retention_in_days on the log group of {fn.name}"
                )

    return stack.each([FUNCTION], check)


def aliases_of(stack: Stack, fn: Res) -> list[Res]:
    """The aliases in the stack that name ``fn`` (invokers of an alias invoke the function)."""
    return [alias for alias, prop in stack.referrers(fn, ALIAS) if prop == "functionName"]


def _async_invokers(stack: Stack, fn: Res) -> Iterator[str]:
    """How ``fn`` is invoked asynchronously (directly or through one of its aliases), one phrase per invoker."""
    types = (PERMISSION, EVENT_TARGET, SUBSCRIPTION, BUCKET_NOTIFICATION, SCHEDULE)
    for res, prop in [pair for subject in (fn, *aliases_of(stack, fn)) for pair in stack.referrers(subject, *types)]:
        if res.type == PERMISSION and prop == "function" and res.get("principal") in ASYNC_PRINCIPALS:
            yield f"permission {res.name} for {res.get('principal')}"
        elif res.type == EVENT_TARGET and prop == "arn":
            yield f"event target {res.name}"
        elif res.type == SUBSCRIPTION and prop == "endpoint" and res.get("protocol") == "lambda":
            yield f"SNS subscription {res.name}"
        elif res.type == BUCKET_NOTIFICATION and prop == "lambdaFunctions":
            yield f"S3 notification {res.name}"
        elif res.type == SCHEDULE and prop == "target":
            yield f"schedule {res.name}"


@stack_rule(
    "lambda-async-failure-destination",
    types=[FUNCTION],
    description="Asynchronously invoked Lambda functions keep failed events (DLQ or on-failure destination).",
    level=MANDATORY,
    fix="Add aws.lambda_.FunctionEventInvokeConfig(function_name=..., destination_config={'on_failure': "
    "{'destination': <queue arn>}}) or set dead_letter_config on the function.",
    pillar="reliability",
    anchors="SR ES1007, NAG LambdaDLQ",
)
def async_failure_destination(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(fn: Res) -> Iterator[str]:
        invokers = sorted(set(_async_invokers(stack, fn)))
        if not invokers or fn.get("deadLetterConfig", "targetArn"):
            return
        configs = [res for res, prop in stack.referrers(fn, INVOKE_CONFIG) if prop == "functionName"]
        if any(c.get("destinationConfig", "onFailure", "destination") for c in configs):
            return
        yield violation(
            fn,
            "deadLetterConfig.targetArn / FunctionEventInvokeConfig.destinationConfig.onFailure",
            None,
            f"a failure destination, since it is invoked asynchronously ({', '.join(invokers)})",
            "add a FunctionEventInvokeConfig with destination_config.on_failure to an SQS queue",
        )

    return stack.each([FUNCTION], check)


def statements_of(doc: object) -> list[dict[str, object]]:
    """A policy document's statements (one or a list), those that are objects."""
    statements = doc.get("Statement", []) if isinstance(doc, dict) else []
    return [s for s in as_list(statements) if isinstance(s, dict)]


def statement_covers(statement: dict[str, object], action: str, resource: str) -> bool:
    """The statement (whatever its Effect) applies to ``action`` on ``resource`` as IAM matches them: its Action
    (or every action but its NotAction) and its Resource (or every resource but its NotResource), with
    wildcards. Its Condition is not evaluated."""

    def named(key: str, value: str, ignore_case: bool) -> bool:
        patterns = [p for p in as_list(statement.get(key)) if isinstance(p, str)]
        return any(wildcard_matches(p, value, ignore_case=ignore_case) for p in patterns)

    def covered(key: str, value: str, ignore_case: bool) -> bool:
        if key in statement:
            return named(key, value, ignore_case)
        return f"Not{key}" in statement and not named(f"Not{key}", value, ignore_case)

    return covered("Action", action, True) and covered("Resource", resource, False)


def _wildcard_grants(doc: object, allowed: Iterable[str]) -> Iterator[str]:
    """Each Allow statement's wildcard action or wildcard resource, described."""
    for statement in statements_of(doc):
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            yield f"NotAction {show(statement['NotAction'])} (allows every other action)"
        actions = [a for a in as_list(statement.get("Action")) if isinstance(a, str)]
        for action in actions:
            if action == "*" or action.endswith(":*"):
                yield f"Action {show(action)}"
        if "*" in as_list(statement.get("Resource")):
            broad = sorted(a for a in actions if a not in allowed and not star_only(a))
            if broad:
                yield f'Resource "*" for {show(broad)}'


def role_documents(stack: Stack, role: Res) -> Iterator[tuple[str, object]]:
    """(where, policy document) for every policy that grants ``role`` permissions."""
    for inline in as_list(role.get("inlinePolicies")):
        yield f"{role.name} inline policy {raw(inline).get('name', '')}", json_doc(raw(inline).get("policy"))
    arns = [(role.name, arn) for arn in as_list(role.get("managedPolicyArns"))]
    for res, prop in stack.referrers(role, ROLE_POLICY, ROLE_POLICY_ATTACHMENT):
        if prop != "role":
            continue
        if res.type == ROLE_POLICY:
            yield f"role policy {res.name}", json_doc(res.get("policy"))
        else:
            arns.append((f"attachment {res.name}", res.get("policyArn")))
            for policy in stack.targets(res, "policyArn", IAM_POLICY):
                yield f"policy {policy.name}", json_doc(policy.get("policy"))
    for where, arn in arns:
        if isinstance(arn, str) and arn.startswith(AWS_MANAGED_PREFIX):
            managed = arn[len(AWS_MANAGED_PREFIX) :]
            grant = MANAGED_GRANTS.get(managed) or (("*", "*") if managed.endswith("FullAccess") else None)
            if grant:
                action, resource = grant
                statement = {"Effect": "Allow", "Action": action if action == "*" else [action], "Resource": resource}
                yield f"{where} AWS-managed {managed}", {"Statement": [statement]}


@stack_rule(
    "lambda-no-wildcard-iam",
    types=[FUNCTION],
    description="Lambda execution roles grant no wildcard actions and no Resource '*' beyond the allowed actions.",
    level=MANDATORY,
    fix="Grant the specific actions on the specific ARNs the function uses (see components/shared/iam.py).",
    pillar="security",
    anchors="SR WS1003, NAG LambdaStarPermissions, AwsSolutions-IAM5",
    config={
        "allowed_star_resource_actions": string_list(
            ALLOWED_STAR_RESOURCE_ACTIONS,
            "Further actions allowed on Resource '*' (those the Service Authorization Reference lists with no "
            "resource type accept nothing else and are always allowed).",
        )
    },
)
def no_wildcard_iam(stack: Stack, config: Config) -> Iterator[Finding]:
    allowed = set(config["allowed_star_resource_actions"])

    def check(fn: Res) -> Iterator[str]:
        for role in stack.targets(fn, "role", ROLE):
            for where, doc in role_documents(stack, role):
                for grant in _wildcard_grants(doc, allowed):
                    yield violation(
                        fn,
                        f"execution role {role.name}: {where}",
                        Text(grant),
                        "specific actions on specific resources",
                        "replace wildcards with the actions and ARNs the function needs",
                    )

    return stack.each([FUNCTION], check)


@stack_rule(
    "lambda-single-principal",
    types=[FUNCTION],
    description="A function's permissions name one invoking principal (one entry point per function).",
    level=ADVISORY,
    fix="Give each invoker its own function (or front them with one queue, bus or API) so each function has "
    "one principal to scope, throttle and observe.",
    pillar="security",
    anchors="none",
)
def single_principal(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(fn: Res) -> Iterator[str]:
        permissions = [res for res, prop in stack.referrers(fn, PERMISSION) if prop == "function"]
        principals = sorted({p.known("principal") for p in permissions})
        if len(principals) > 1:
            yield violation(
                fn,
                "permissions' principals",
                principals,
                "one invoking principal",
                "split the function per invoker, or route every invoker through one service",
            )

    return stack.each([FUNCTION], check)


def _watches_errors(alarm: Res, fn: Res) -> bool:
    for metric, dimensions, prop in alarm_metrics(alarm):
        if metric == "Errors" and (
            fn.urn in alarm.deps.get(prop, ()) or dimensions.get("FunctionName") == fn.get("name")
        ):
            return True
    return False


@stack_rule(
    "lambda-error-alarm",
    types=[FUNCTION],
    description="Every Lambda function has an alarm on its Errors metric that notifies someone (an alarm action).",
    level=ADVISORY,
    fix="Add a cloudwatch.MetricAlarm on AWS/Lambda Errors (FunctionName = the function), GreaterThanThreshold 0, "
    "with alarm_actions=[<SNS topic ARN>].",
    pillar="operational-excellence",
    anchors="none (Serverless Lens: alert on errors)",
)
def error_alarm(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(fn: Res) -> Iterator[str]:
        alarms = [alarm for alarm, _ in stack.referrers(fn, METRIC_ALARM) if _watches_errors(alarm, fn)]
        if not alarms:
            yield violation(
                fn,
                "alarm on Errors",
                None,
                "a metric alarm on AWS/Lambda Errors for this function",
                "add a MetricAlarm on Errors (FunctionName = this function) with an alarm action",
            )
        elif not any(as_list(alarm.get("alarmActions")) for alarm in alarms):
            yield violation(
                fn,
                "alarmActions of " + ", ".join(sorted(alarm.name for alarm in alarms)),
                None,
                "an action (an SNS topic ARN) so a failure reaches someone",
                "set alarm_actions on the Errors alarm",
            )

    return stack.each([FUNCTION], check)


@stack_rule(
    "lambda-account-concurrency-headroom",
    types=[FUNCTION],
    description="Reserved concurrency across the stack leaves the 100 unreserved executions AWS requires.",
    level=MANDATORY,
    fix="Lower reserved_concurrent_executions of the largest reservations, or raise the account limit "
    "(Service Quotas) and set account_limit.",
    pillar="reliability",
    anchors="none (seed: think concurrent requests)",
    config={"account_limit": integer(1000, 100, description="The account's concurrent executions quota.")},
)
def account_concurrency_headroom(stack: Stack, config: Config) -> Iterator[Finding]:
    reservations: list[tuple[float, Res]] = []
    for fn in stack.of_type(FUNCTION):
        if stack.exempt(fn):
            continue
        value = number(fn.get("reservedConcurrentExecutions"))
        if value is not None and value > 0:
            reservations.append((value, fn))
    total = sum(value for value, _ in reservations)
    budget = config["account_limit"] - 100
    if total > budget:
        largest = ", ".join(f"{fn.name}={show(v)}" for v, fn in sorted(reservations, key=lambda i: -i[0])[:5])
        yield Finding(
            None,
            f"stack: total reservedConcurrentExecutions is {show(total)} (largest: {largest}); wanted at most "
            f"{show(budget)} (account_limit {show(config['account_limit'])} minus the 100 AWS keeps unreserved). "
            "Fix: lower the largest reservations or raise the account quota and account_limit.",
        )


RULES = (
    tracing_active,
    reserved_concurrency,
    explicit_memory,
    explicit_timeout,
    supported_runtime,
    arm64,
    powertools_service_name,
    log_retention,
    async_failure_destination,
    no_wildcard_iam,
    permission_source_arn,
    public_permission,
    single_principal,
    error_alarm,
    function_url_auth,
    account_concurrency_headroom,
)
