"""Principal children: an existing resource xor the args to create one, and overrides of what is created.

The AWS Solutions Constructs rule (``existingQueueObj`` xor ``queueProps``, ``overrideProps`` merged over the
defaults, ``CheckProps`` errors) in one place, so every component behaves alike:

- :func:`exactly_one` fails naming both args when both or neither are given.
- :func:`resource_kwargs` merges a child's ``overrides`` (keyword arguments of its pulumi_aws resource class)
  over the component's defaults: an unknown key fails naming it and the resource type; ``tags`` and
  ``environment.variables`` merge, every other key (lists included) replaces; weakening a Well-Architected
  default (the table :data:`GUARDS`) logs a warning naming the default and the policy rule that will flag it
  (or saying that none does). A component whose own default already lacks the guarantee (a ``Table`` without
  deletion protection) is not warned about when an override keeps it lacking.
- :func:`check_known` validates a value of an existing child only where it is plain and known, and
  :func:`not_checked` says (a log line) what a bare identifier kept the component from checking.

Nothing here invokes or looks anything up: an existing child is taken as given.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import pulumi

#: A pulumi_aws resource class, e.g. ``sqs.Queue``.
ResourceClass = type[pulumi.CustomResource]
R = TypeVar("R", bound=pulumi.CustomResource)


def exactly_one(owner: str, first: tuple[str, object | None], second: tuple[str, object | None]) -> None:
    """Fail unless exactly one of two args (``(name, value)``) is given, naming both."""
    (first_name, first_value), (second_name, second_value) = first, second
    if (first_value is None) == (second_value is None):
        given = "both" if first_value is not None else "neither"
        raise ValueError(
            f"{owner}: set exactly one of {first_name} (an existing resource) or {second_name} "
            f"(the args to create one); {given} given"
        )


# -- overrides --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Guard:
    """A Well-Architected default of one resource property and the policy rule that checks it."""

    #: What the component sets, as a reader would say it (``"tracing Active"``).
    default: str
    #: The rule of the pack (rules.md) that flags a value without it; None where no rule checks the default
    #: (the warning says so: nothing later will catch it).
    rule: str | None
    #: True when the overriding value keeps the default's guarantee.
    keeps: Callable[[Any], bool]


def _mode_active(value: Any) -> bool:
    return _field(value, "mode") == "Active"


def _truthy(value: Any) -> bool:
    return bool(value)


def _is_true(value: Any) -> bool:
    return value is True


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _enabled(value: Any) -> bool:
    return _field(value, "enabled") is True


def _retried_to_a_dlq(value: Any) -> bool:
    return bool(_field(value, "retry_policy")) and bool(_field(_field(value, "dead_letter_config"), "arn"))


def _above_zero(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _reports_item_failures(value: Any) -> bool:
    return value is not None and "ReportBatchItemFailures" in list(value)


#: (pulumi type token, keyword argument) → the default it carries. The one table of what an override weakens.
#: ``"settings.logging_level"`` guards a field of the argument ``settings``: overriding ``settings`` replaces it
#: whole, so a field the new value leaves out is checked as missing.
GUARDS: dict[tuple[str, str], Guard] = {
    ("aws:lambda/function:Function", "tracing_config"): Guard(
        "tracing mode Active", "lambda-tracing-active", _mode_active
    ),
    ("aws:lambda/function:Function", "reserved_concurrent_executions"): Guard(
        "reserved concurrency ≥ 1", "lambda-reserved-concurrency", _positive
    ),
    ("aws:lambda/function:Function", "architectures"): Guard(
        "architectures ['arm64']", "lambda-arm64", lambda value: list(value or ()) == ["arm64"]
    ),
    ("aws:sqs/queue:Queue", "redrive_policy"): Guard("a redrive policy to the DLQ", "sqs-redrive-policy", _truthy),
    ("aws:sqs/queue:Queue", "sqs_managed_sse_enabled"): Guard("SQS-managed encryption", "sqs-encryption", _truthy),
    ("aws:dynamodb/table:Table", "point_in_time_recovery"): Guard("point-in-time recovery", "dynamodb-pitr", _enabled),
    ("aws:dynamodb/table:Table", "billing_mode"): Guard(
        "on-demand capacity (PAY_PER_REQUEST)", "dynamodb-scalable-capacity", lambda value: value == "PAY_PER_REQUEST"
    ),
    # DynamoDB encrypts every table; "enabled" means the AWS-managed KMS key, whose use CloudTrail records.
    ("aws:dynamodb/table:Table", "server_side_encryption"): Guard(
        "encryption with the AWS-managed KMS key", None, _enabled
    ),
    ("aws:dynamodb/table:Table", "deletion_protection_enabled"): Guard("deletion protection", None, _is_true),
    ("aws:sns/topic:Topic", "kms_master_key_id"): Guard("a KMS key of its own", "sns-encryption", _truthy),
    ("aws:sns/topicSubscription:TopicSubscription", "redrive_policy"): Guard(
        "a redrive policy to the delivery DLQ", "sns-subscription-redrive", _truthy
    ),
    ("aws:cloudwatch/logGroup:LogGroup", "retention_in_days"): Guard(
        "a retention period", "log-group-retention", _positive
    ),
    ("aws:cloudwatch/eventTarget:EventTarget", "dead_letter_config"): Guard(
        "a DLQ admitting only the rule", "eventbridge-target-dlq", _truthy
    ),
    ("aws:cloudwatch/eventTarget:EventTarget", "retry_policy"): Guard(
        "a finite retry policy", "eventbridge-target-retry", _truthy
    ),
    ("aws:scheduler/schedule:Schedule", "target"): Guard(
        "a target with a retry policy and a DLQ", "scheduler-target-dlq", _retried_to_a_dlq
    ),
    **{
        ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", flag): Guard(
            f"{flag} true", "s3-block-public-access", _is_true
        )
        for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    },
    ("aws:apigateway/stage:Stage", "xray_tracing_enabled"): Guard("X-Ray tracing", "apigw-tracing", _is_true),
    ("aws:apigateway/stage:Stage", "access_log_settings"): Guard("JSON access logs", "apigw-access-logging", _truthy),
    ("aws:apigateway/methodSettings:MethodSettings", "settings.throttling_rate_limit"): Guard(
        "stage-wide throttling (a rate limit)", "apigw-default-throttling", _above_zero
    ),
    ("aws:apigateway/methodSettings:MethodSettings", "settings.throttling_burst_limit"): Guard(
        "stage-wide throttling (a burst limit)", "apigw-default-throttling", _above_zero
    ),
    ("aws:apigateway/methodSettings:MethodSettings", "settings.logging_level"): Guard(
        "execution logging at ERROR", "apigw-execution-logging", lambda value: value in ("ERROR", "INFO")
    ),
    ("aws:apigateway/methodSettings:MethodSettings", "settings.data_trace_enabled"): Guard(
        "no data trace (it logs bodies)", "apigw-execution-logging", lambda value: value is not True
    ),
    ("aws:apigateway/method:Method", "authorization"): Guard(
        "authorization AWS_IAM", "apigw-authorization", lambda value: value not in (None, "NONE")
    ),
    ("aws:sfn/stateMachine:StateMachine", "tracing_configuration"): Guard(
        "X-Ray tracing", "sfn-tracing", lambda value: _field(value, "enabled") is True
    ),
    ("aws:sfn/stateMachine:StateMachine", "logging_configuration"): Guard(
        "logging to its log group",
        "sfn-logging",
        lambda value: _field(value, "level") not in (None, "OFF") and bool(_field(value, "log_destination")),
    ),
    ("aws:kinesis/stream:Stream", "encryption_type"): Guard(
        "KMS encryption", "kinesis-encryption", lambda value: value == "KMS"
    ),
    ("aws:lambda/eventSourceMapping:EventSourceMapping", "function_response_types"): Guard(
        "ReportBatchItemFailures", "esm-batch-item-failures", _reports_item_failures
    ),
}

#: Keys whose mapping merges rather than replaces; for ``environment`` its ``variables`` merge.
_MERGED = ("tags",)
_NESTED_MERGED = {"environment": "variables"}


def _field(value: Any, key: str) -> Any:
    """``key`` of a dict or of a pulumi_aws ``*Args`` object (both are accepted as inputs)."""
    if isinstance(value, Mapping):
        return value.get(key)
    return getattr(value, key, None)


def token_of(resource: ResourceClass) -> str:
    """The pulumi type token of a pulumi_aws resource class (``aws:sqs/queue:Queue``)."""
    module = resource.__module__.split(".")[1].rstrip("_")
    name = resource.__name__
    return f"aws:{module}/{name[0].lower()}{name[1:]}:{name}"


def keyword_arguments(resource: ResourceClass) -> frozenset[str]:
    """The keyword arguments ``resource`` accepts: its ``<Type>Args`` class's (pulumi_aws's public args type)."""
    return _keyword_arguments(resource.__module__, resource.__name__)


@cache
def _keyword_arguments(module: str, name: str) -> frozenset[str]:
    args_class = getattr(sys.modules[module], f"{name}Args")
    return frozenset(key for key in inspect.signature(args_class.__init__).parameters if key != "self")


def check_keys(resource: ResourceClass, overrides: Mapping[str, Any], *, arg: str) -> None:
    """Fail naming ``arg`` and each key of ``overrides`` that is not a keyword argument of ``resource``."""
    unknown = sorted(set(overrides) - keyword_arguments(resource))
    if unknown:
        raise ValueError(
            f"{arg}: {', '.join(map(repr, unknown))} {'is not a keyword argument' if len(unknown) == 1 else 'are not keyword arguments'} "
            f"of {resource.__module__.split('.')[1]}.{resource.__name__} ({token_of(resource)})"
        )


def resource_kwargs(
    resource: ResourceClass,
    defaults: Mapping[str, Any],
    overrides: Mapping[str, Any],
    *,
    arg: str,
    logical_name: str,
) -> dict[str, Any]:
    """``overrides`` merged over ``defaults``, as the keyword arguments of ``resource``.

    ``arg`` names the overrides in errors and warnings (``QueueArgs.overrides``), ``logical_name`` the child.
    """
    check_keys(resource, overrides, arg=arg)
    merged = dict(defaults)
    for key, value in overrides.items():
        if key in _MERGED and isinstance(merged.get(key), Mapping) and isinstance(value, Mapping):
            merged[key] = {**merged[key], **value}
        elif key in _NESTED_MERGED and merged.get(key) is not None and value is not None:
            inner = _NESTED_MERGED[key]
            merged[key] = {inner: {**(_field(merged[key], inner) or {}), **(_field(value, inner) or {})}}
        else:
            merged[key] = value
        _warn_if_weakened(resource, key, value, defaults, arg=arg, logical_name=logical_name)
    return merged


def create(
    resource: type[R],
    logical_name: str,
    defaults: Mapping[str, Any],
    overrides: Mapping[str, Any],
    *,
    arg: str,
    opts: pulumi.ResourceOptions,
) -> R:
    """The child ``resource`` named ``logical_name``, from ``overrides`` merged over ``defaults``
    (:func:`resource_kwargs`)."""
    kwargs = resource_kwargs(resource, defaults, overrides, arg=arg, logical_name=logical_name)
    return resource(logical_name, **kwargs, opts=opts)


def _warn_if_weakened(
    resource: ResourceClass, key: str, value: Any, defaults: Mapping[str, Any], *, arg: str, logical_name: str
) -> None:
    for guarded, guard in _guards_of(token_of(resource), key):
        field = guarded.partition(".")[2]
        checked = _field(value, field) if field else value
        if isinstance(value, pulumi.Output) or isinstance(checked, pulumi.Output) or guard.keeps(checked):
            continue
        default = defaults.get(key)
        own = _field(default, field) if field and key in defaults else default
        known = key in defaults and not isinstance(default, pulumi.Output) and not isinstance(own, pulumi.Output)
        if known and not guard.keeps(own):
            continue  # the component's own default already lacks it: nothing weakened
        where = f"{arg}[{key!r}]" + (f"[{field!r}]" if field else "")
        flagged = f"the policy rule {guard.rule} will flag it" if guard.rule else "no rule of the policy pack checks it"
        pulumi.log.warn(
            f"{where} = {checked!r} on {logical_name} overrides the Well-Architected default ({guard.default}): "
            f"{flagged}"
        )


def _guards_of(token: str, key: str) -> list[tuple[str, Guard]]:
    """The guards on ``key`` of ``token`` and on its fields (``key.field``)."""
    return [
        (guarded, guard)
        for (guarded_token, guarded), guard in GUARDS.items()
        if guarded_token == token and guarded.partition(".")[0] == key
    ]


# -- existing children --------------------------------------------------------------------------------------
def check_known(value: pulumi.Input[Any] | None, check: Callable[[Any], str | None]) -> None:
    """Run ``check`` on ``value`` once it is plain and known; a message it returns fails the program.

    An Output is checked when it resolves (a first preview leaves it unknown, and then nothing is checked);
    the error is logged as the CLI's error channel, which fails ``pulumi preview``/``up`` and synthesis alike.
    """
    if value is None:
        return
    if isinstance(value, pulumi.Output):
        value.apply(lambda known: _report(check(known)) if known is not None else None)
        return
    _report(check(value))


def _report(message: str | None) -> None:
    if message:
        pulumi.log.error(message)


def not_checked(owner: str, what: str) -> None:
    """Say what a bare identifier kept ``owner`` from checking (the component cannot read what it was not given)."""
    pulumi.log.info(f"{owner}: given a bare identifier, so not checked: {what}")
