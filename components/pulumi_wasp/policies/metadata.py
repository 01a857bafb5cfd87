"""What the pack tells the Pulumi CLI and Pulumi Cloud about each policy besides its check: severity,
documentation URL and compliance framework (pulumi_policy's ``severity``, ``url`` and ``framework``).

:data:`SEVERITIES` is the one mapping from policy name to severity; :func:`pulumi_wasp.policies.common.compose`
refuses a rule that is missing from it. The levels follow what a violation exposes:

- **critical**: public access or unencrypted transport to data (anyone can invoke, read or intercept);
- **high**: data or events lost, or a confused-deputy or wildcard grant (a failure nobody can recover from);
- **medium**: degraded operations (no traces, unbounded retries, throttling or logs missing);
- **low**: hygiene and cost (sizing, tags, architecture).
"""

from __future__ import annotations

from pulumi_policy import PolicyComplianceFramework, Severity

CRITICAL, HIGH, MEDIUM, LOW = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW

#: Where each policy's row of the rule tables lives: ``<README_URL>#<policy name>`` (an explicit HTML anchor,
#: so renaming a section never breaks a published link).
README_URL = "https://github.com/pulumi-wasp/pulumi-wasp/blob/main/policies/README.md"

FRAMEWORK_NAME = "AWS Well-Architected Serverless Applications Lens"
FRAMEWORK_SPECIFICATION = "https://docs.aws.amazon.com/wellarchitected/latest/serverless-applications-lens/"
#: The pillar tag of a rule (its ``tags``) → the pillar as the lens names it (the framework's ``reference``).
PILLARS = {
    "operational-excellence": "Operational Excellence",
    "security": "Security",
    "reliability": "Reliability",
    "performance-efficiency": "Performance Efficiency",
    "cost-optimization": "Cost Optimization",
    "sustainability": "Sustainability",
}

SEVERITIES: dict[str, Severity] = {
    "exemptions": LOW,
    # Lambda
    "lambda-tracing-active": MEDIUM,
    "lambda-reserved-concurrency": MEDIUM,
    "lambda-explicit-memory": LOW,
    "lambda-explicit-timeout": LOW,
    "lambda-supported-runtime": HIGH,
    "lambda-arm64": LOW,
    "lambda-powertools-service-name": LOW,
    "lambda-log-retention": MEDIUM,
    "lambda-async-failure-destination": HIGH,
    "lambda-no-wildcard-iam": HIGH,
    "lambda-permission-source-arn": HIGH,
    "lambda-public-permission": CRITICAL,
    "lambda-single-principal": LOW,
    "lambda-error-alarm": MEDIUM,
    "lambda-function-url-auth": CRITICAL,
    "lambda-account-concurrency-headroom": HIGH,
    # Lambda aliases and deployments
    "lambda-alias-invocation": HIGH,
    "lambda-gradual-deployment": MEDIUM,
    # Event source mappings
    "esm-stream-failure-handling": HIGH,
    "esm-batch-item-failures": MEDIUM,
    "esm-sqs-visibility-timeout": MEDIUM,
    # SQS / SNS
    "sqs-redrive-policy": HIGH,
    "sqs-encryption": HIGH,
    "sqs-tls-only": CRITICAL,
    "sqs-dlq-retention": MEDIUM,
    "sqs-dlq-alarm": MEDIUM,
    "sns-subscription-redrive": HIGH,
    "sns-encryption": MEDIUM,
    "sns-tls-only": CRITICAL,
    # EventBridge / Scheduler
    "eventbridge-target-dlq": HIGH,
    "eventbridge-target-retry": LOW,
    "eventbridge-bus-no-public-access": CRITICAL,
    "eventbridge-bus-archive": LOW,
    "scheduler-target-dlq": HIGH,
    # Step Functions
    "sfn-tracing": MEDIUM,
    "sfn-logging": MEDIUM,
    "sfn-task-retry": MEDIUM,
    "sfn-task-timeout": MEDIUM,
    "sfn-definition-valid": HIGH,
    # API Gateway
    "apigw-tracing": MEDIUM,
    "apigw-access-logging": MEDIUM,
    "apigw-structured-access-logs": LOW,
    "apigw-default-throttling": HIGH,
    "apigw-execution-logging": LOW,
    "apigw-lambda-timeout": MEDIUM,
    "apigw-authorization": HIGH,
    "apigw-request-validation": MEDIUM,
    "apigw-waf": HIGH,
    "apigwv2-access-logging": MEDIUM,
    "apigwv2-default-throttling": HIGH,
    # Data stores and logs
    "dynamodb-pitr": MEDIUM,
    "dynamodb-scalable-capacity": HIGH,
    "kinesis-encryption": HIGH,
    "s3-block-public-access": CRITICAL,
    "s3-tls-only": CRITICAL,
    "s3-access-logging": MEDIUM,
    "secret-rotation": MEDIUM,
    "log-group-retention": LOW,
    "required-tags": LOW,
    # KMS
    "kms-key-rotation": MEDIUM,
    # IAM
    "iam-statements-valid": HIGH,
}


class MetadataError(ValueError):
    """A policy lacks the metadata every published policy carries (the message names it)."""


def severity(policy: str) -> Severity:
    try:
        return SEVERITIES[policy]
    except KeyError:
        raise MetadataError(f"policy {policy!r} has no severity: add it to SEVERITIES in {__name__}") from None


def url(policy: str) -> str:
    """The policy's row in the pack's README."""
    return f"{README_URL}#{policy}"


def framework(pillar: str) -> PolicyComplianceFramework:
    """The lens, with the rule's pillar as the reference."""
    try:
        reference = PILLARS[pillar]
    except KeyError:
        known = ", ".join(PILLARS)
        raise MetadataError(f"pillar {pillar!r} is not a Well-Architected pillar ({known})") from None
    return PolicyComplianceFramework(name=FRAMEWORK_NAME, reference=reference, specification=FRAMEWORK_SPECIFICATION)
