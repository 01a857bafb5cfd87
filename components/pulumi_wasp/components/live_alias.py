"""A function's live alias: published versions, provisioned concurrency with its auto-scaling, and gradual
deployment through CodeDeploy (application, deployment group with rollback, the alias's error alarm, hooks).

:class:`~pulumi_wasp.components.function.ServerlessFunction` builds it from :class:`AliasArgs`; every component
that wires the function then invokes the alias (``ServerlessFunction.target``), never ``$LATEST``.
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pulumi
from pulumi_aws import appautoscaling, cloudwatch, codedeploy, lambda_

from pulumi_wasp.components import defaults
from pulumi_wasp.components.shared import iam, names
from pulumi_wasp.components.shared.alarms import AlarmSpec, metric_alarm
from pulumi_wasp.components.shared.context import StackContext
from pulumi_wasp.components.shared.lambda_deployment import LambdaDeployment

if TYPE_CHECKING:
    from pulumi_wasp.components.function import ServerlessFunctionArgs

_ALIAS_NAME = re.compile(r"^(?!\d+$)[A-Za-z0-9_-]{1,128}$")
_ARG = "ServerlessFunctionArgs.alias"


@dataclass(kw_only=True)
class ScheduledCapacity:
    """A scheduled change of the provisioned-concurrency range (an Application Auto Scaling scheduled action),
    e.g. more warm environments during business hours."""

    #: Unique per alias; part of the scheduled action's name.
    name: str
    #: ``cron(...)``, ``rate(...)`` or ``at(...)``, as Application Auto Scaling takes them.
    schedule: str
    min_capacity: int
    max_capacity: int
    #: IANA time zone of a ``cron``/``at`` schedule (default UTC, the service's).
    timezone: str = "UTC"

    def validate(self, arg: str, reserved: int) -> None:
        if not re.match(r"^(cron|rate|at)\(.+\)$", self.schedule):
            raise ValueError(f"{arg}.schedule must be cron(...), rate(...) or at(...), got {self.schedule!r}")
        _check_range(arg, self.min_capacity, self.max_capacity, reserved)


@dataclass(kw_only=True)
class ProvisionedScalingArgs:
    """Application Auto Scaling of the alias's provisioned concurrency: a scalable target, target tracking on
    ``LambdaProvisionedConcurrencyUtilization`` and optional scheduled ranges."""

    min_capacity: int
    max_capacity: int
    #: defaults.PROVISIONED_CONCURRENCY_TARGET_UTILIZATION (0.7, AWS's recommendation): headroom for a burst
    #: while a scale-out provisions more environments. Application Auto Scaling takes 0.1..0.9.
    target_utilization: float = defaults.PROVISIONED_CONCURRENCY_TARGET_UTILIZATION
    #: Scheduled ranges (none by default: target tracking alone follows the load).
    scheduled: Sequence[ScheduledCapacity] = ()

    def validate(self, arg: str, reserved: int) -> None:
        _check_range(arg, self.min_capacity, self.max_capacity, reserved)
        if not 0.1 <= self.target_utilization <= 0.9:
            raise ValueError(f"{arg}.target_utilization must be 0.1..0.9, got {self.target_utilization}")
        seen: set[str] = set()
        for index, scheduled in enumerate(self.scheduled):
            if scheduled.name in seen:
                raise ValueError(f"{arg}.scheduled: duplicate name {scheduled.name!r}")
            seen.add(scheduled.name)
            scheduled.validate(f"{arg}.scheduled[{index}]", reserved)


@dataclass(kw_only=True)
class ProvisionedConcurrencyArgs:
    """Environments kept initialised for the alias: no cold start up to ``executions`` concurrent requests.
    Billed for every hour they are provisioned, used or not: turn it on where latency is worth that."""

    #: Provisioned concurrent executions (with ``auto_scaling``, the initial value, within its range).
    executions: int
    #: None: a fixed amount; set to let Application Auto Scaling follow the load.
    auto_scaling: ProvisionedScalingArgs | None = None

    def validate(self, arg: str, reserved: int) -> None:
        if self.executions < 1:
            raise ValueError(f"{arg}.executions must be ≥ 1, got {self.executions}")
        if self.executions > reserved:
            raise ValueError(
                f"{arg}.executions ({self.executions}) exceeds ServerlessFunctionArgs.reserved_concurrency "
                f"({reserved}): Lambda provisions at most the function's reserved concurrency"
            )
        if self.auto_scaling is not None:
            scaling = self.auto_scaling
            scaling.validate(f"{arg}.auto_scaling", reserved)
            if not scaling.min_capacity <= self.executions <= scaling.max_capacity:
                raise ValueError(
                    f"{arg}.executions ({self.executions}) must be within auto_scaling's "
                    f"{scaling.min_capacity}..{scaling.max_capacity}"
                )


@dataclass(frozen=True, kw_only=True)
class TrafficShift:
    """A custom CodeDeploy shift: ``canary`` moves ``percentage`` of the traffic, then the rest after
    ``interval_minutes``; ``linear`` moves ``percentage`` more every ``interval_minutes``."""

    kind: Literal["canary", "linear"]
    percentage: int
    interval_minutes: int

    def validate(self, arg: str) -> None:
        if self.kind not in ("canary", "linear"):
            raise ValueError(f"{arg}.kind must be 'canary' or 'linear', got {self.kind!r}")
        if not 1 <= self.percentage <= 99:
            raise ValueError(f"{arg}.percentage must be 1..99, got {self.percentage}")
        if self.interval_minutes < 1:
            raise ValueError(f"{arg}.interval_minutes must be ≥ 1, got {self.interval_minutes}")


def shift_minutes(config: str | TrafficShift) -> int:
    """How long a deployment config takes to shift all the traffic (hooks not counted): a canary's interval, a
    linear shift's intervals until 100 %."""
    if isinstance(config, TrafficShift):
        steps = 1 if config.kind == "canary" else math.ceil(100 / config.percentage) - 1
        return steps * config.interval_minutes
    found = re.search(r"(Canary|Linear)10Percent(?:Every)?(\d+)Minutes?$", config)
    if found is None:  # LambdaAllAtOnce
        return 0
    minutes = int(found.group(2))
    return minutes if found.group(1) == "Canary" else 9 * minutes


@dataclass(kw_only=True)
class GradualDeploymentArgs:
    """Shift traffic to each new version through CodeDeploy, rolling back on failure and on alarm.

    The deployment group rolls back when a deployment fails, when the alias's error alarm (created here: Errors
    > 0 on the alias, one-minute periods) or one of ``alarm_names`` fires, or when a hook reports Failed.
    ``pulumi up`` waits for each deployment and fails naming its id when it does not succeed.
    """

    #: defaults.LAMBDA_DEPLOYMENT_CONFIG (canary 10 % for 5 minutes), another of
    #: defaults.LAMBDA_DEPLOYMENT_CONFIGS (``CodeDeployDefault.LambdaAllAtOnce`` shifts at once, still with
    #: hooks and rollback), or a :class:`TrafficShift` (a deployment config of the function's own).
    config: str | TrafficShift = defaults.LAMBDA_DEPLOYMENT_CONFIG
    #: None: no BeforeAllowTraffic hook. A function CodeDeploy runs before any traffic shifts (BeforeAllowTraffic),
    #: and one after all of it has (AfterAllowTraffic), created as ``<name>-pre-traffic``/``-post-traffic``. Each is
    #: granted codedeploy:PutLifecycleEventHookExecutionStatus (on "*": IAM applies
    #: it to no resource type) and lambda:InvokeFunction on the function's versions (to test the new one).
    pre_traffic_hook: ServerlessFunctionArgs | None = None
    #: None: no AfterAllowTraffic hook (the deployment ends once the traffic has shifted and no alarm fired).
    post_traffic_hook: ServerlessFunctionArgs | None = None
    #: Further CloudWatch alarm names that roll a deployment back (the alias's error alarm always does).
    alarm_names: Sequence[pulumi.Input[str]] = ()
    #: defaults.LAMBDA_DEPLOYMENT_TIMEOUT_MINUTES (60): how long ``pulumi up`` waits for a deployment.
    timeout_minutes: int = defaults.LAMBDA_DEPLOYMENT_TIMEOUT_MINUTES

    def validate(self, arg: str) -> None:
        if isinstance(self.config, TrafficShift):
            self.config.validate(f"{arg}.config")
        elif self.config not in defaults.LAMBDA_DEPLOYMENT_CONFIGS:
            raise ValueError(
                f"{arg}.config must be a TrafficShift or one of {', '.join(defaults.LAMBDA_DEPLOYMENT_CONFIGS)}; "
                f"got {self.config!r}"
            )
        if self.timeout_minutes < 1:
            raise ValueError(f"{arg}.timeout_minutes must be ≥ 1, got {self.timeout_minutes}")
        if shift_minutes(self.config) >= self.timeout_minutes:
            raise ValueError(
                f"{arg}.timeout_minutes ({self.timeout_minutes}) is not longer than the traffic shift of {self.config!r} "
                f"({shift_minutes(self.config)} minutes): `pulumi up` would stop waiting before the deployment ends"
            )
        if importlib.util.find_spec("boto3") is None:
            raise ValueError(
                f"{arg}: a gradual deployment runs CodeDeploy from `pulumi up` with boto3, which is not installed: "
                "pip install 'pulumi-wasp[deploy]'"
            )


@dataclass(kw_only=True)
class AliasArgs:
    """Publish a version on every change of the function and keep an alias on the one in service."""

    #: defaults.LAMBDA_ALIAS_NAME ("live"); not a number, not ``$LATEST``.
    name: str = defaults.LAMBDA_ALIAS_NAME
    #: None: none provisioned (cold starts possible, nothing billed while idle).
    provisioned_concurrency: ProvisionedConcurrencyArgs | None = None
    #: None: Pulumi moves the alias to each new version at once, with no rollback.
    deployment: GradualDeploymentArgs | None = None

    def validate(self, reserved_concurrency: int) -> None:
        if not _ALIAS_NAME.match(self.name) or self.name == "$LATEST":
            raise ValueError(
                f"{_ARG}.name must be 1..128 letters, digits, - or _ and not only digits (a version), got {self.name!r}"
            )
        if self.provisioned_concurrency is not None:
            self.provisioned_concurrency.validate(f"{_ARG}.provisioned_concurrency", reserved_concurrency)
        if self.deployment is not None:
            self.deployment.validate(f"{_ARG}.deployment")


def _check_range(arg: str, low: int, high: int, reserved: int) -> None:
    if not 1 <= low <= high:
        raise ValueError(f"{arg}: min_capacity ({low}) must be ≥ 1 and ≤ max_capacity ({high})")
    if high > reserved:
        raise ValueError(
            f"{arg}.max_capacity ({high}) exceeds ServerlessFunctionArgs.reserved_concurrency ({reserved}): "
            "Lambda provisions at most the function's reserved concurrency"
        )


#: Creates a hook function (a ServerlessFunction) from its args, the suffix of its name and extra statements;
#: returns its name and ARN. Passed in by ServerlessFunction, which this module must not import.
HookFactory = Callable[
    [str, "ServerlessFunctionArgs", Sequence[iam.Statement]], tuple[pulumi.Output[str], pulumi.Output[str]]
]


@dataclass
class LiveAlias:
    """What :func:`live_alias` created."""

    alias: lambda_.Alias
    provisioned: lambda_.ProvisionedConcurrencyConfig | None = None
    scalable_target: appautoscaling.Target | None = None
    application: codedeploy.Application | None = None
    deployment_group: codedeploy.DeploymentGroup | None = None
    #: The alias's error alarm, CodeDeploy's rollback signal (with a gradual deployment).
    error_alarm: cloudwatch.MetricAlarm | None = None
    deployment: LambdaDeployment | None = None


@dataclass(frozen=True)
class _Site:
    """Where the alias's resources go: the function they serve and the component that owns them."""

    name: str
    function: lambda_.Function
    region: str
    context: StackContext
    parent: pulumi.Resource
    tags: dict[str, str]
    hook: HookFactory

    @property
    def child(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self.parent)


def live_alias(
    name: str,
    function: lambda_.Function,
    args: AliasArgs,
    *,
    region: str,
    context: StackContext,
    parent: pulumi.Resource,
    tags: dict[str, str],
    hook: HookFactory,
) -> LiveAlias:
    """The alias on ``function``'s published version, with what ``args`` asks for around it."""
    site = _Site(name, function, region, context, parent, tags, hook)
    gradual = args.deployment is not None
    alias = lambda_.Alias(
        f"{name}-alias",
        name=args.name,
        function_name=function.name,
        function_version=function.version,
        # With CodeDeploy the alias is created on the first version and then CodeDeploy moves it (weights
        # during the shift, the version at the end): Pulumi must not move it back, or refresh show a diff.
        opts=pulumi.ResourceOptions(
            parent=parent, ignore_changes=["functionVersion", "routingConfig"] if gradual else None
        ),
    )
    built = LiveAlias(alias)
    if args.provisioned_concurrency is not None:
        _provisioned(site, alias, args.provisioned_concurrency, built)
    if args.deployment is not None:
        _gradual(site, alias, args.deployment, built)
    return built


def _provisioned(site: _Site, alias: lambda_.Alias, args: ProvisionedConcurrencyArgs, built: LiveAlias) -> None:
    name, function, child = site.name, site.function, site.child
    scaling = args.auto_scaling
    built.provisioned = lambda_.ProvisionedConcurrencyConfig(
        f"{name}-provisioned",
        function_name=function.name,
        qualifier=alias.name,
        provisioned_concurrent_executions=args.executions,
        # Auto-scaling changes the amount: Pulumi must not set it back on the next up.
        opts=pulumi.ResourceOptions.merge(
            child,
            pulumi.ResourceOptions(ignore_changes=["provisionedConcurrentExecutions"] if scaling else None),
        ),
    )
    if scaling is None:
        return
    resource_id = pulumi.Output.concat("function:", function.name, ":", alias.name)
    dimension = "lambda:function:ProvisionedConcurrency"
    target = appautoscaling.Target(
        f"{name}-scaling",
        service_namespace="lambda",
        scalable_dimension=dimension,
        resource_id=resource_id,
        min_capacity=scaling.min_capacity,
        max_capacity=scaling.max_capacity,
        tags=site.tags,
        opts=pulumi.ResourceOptions(parent=child.parent, depends_on=[built.provisioned]),
    )
    built.scalable_target = target
    appautoscaling.Policy(
        f"{name}-utilization",
        policy_type="TargetTrackingScaling",
        service_namespace=target.service_namespace,
        scalable_dimension=target.scalable_dimension,
        resource_id=target.resource_id,
        target_tracking_scaling_policy_configuration={
            "target_value": scaling.target_utilization,
            "predefined_metric_specification": {"predefined_metric_type": "LambdaProvisionedConcurrencyUtilization"},
        },
        opts=child,
    )
    for scheduled in scaling.scheduled:
        appautoscaling.ScheduledAction(
            f"{name}-{scheduled.name}",
            name=names.fit(f"{name}-{scheduled.name}", names.SCHEDULED_ACTION),
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            schedule=scheduled.schedule,
            timezone=scheduled.timezone,
            scalable_target_action={
                "min_capacity": scheduled.min_capacity,
                "max_capacity": scheduled.max_capacity,
            },
            opts=child,
        )


def _gradual(site: _Site, alias: lambda_.Alias, args: GradualDeploymentArgs, built: LiveAlias) -> None:
    name, function, region, context, parent, tags = (
        site.name,
        site.function,
        site.region,
        site.context,
        site.parent,
        site.tags,
    )
    child = site.child
    account = iam.account_of(function.arn)
    application_name = context.physical_name(name, names.CODEDEPLOY_APPLICATION)
    group_name = context.physical_name(name, names.CODEDEPLOY_DEPLOYMENT_GROUP)
    built.application = codedeploy.Application(
        f"{name}-deploy", name=application_name, compute_platform="Lambda", tags=tags, opts=child
    )
    # A hook reports its verdict (an action IAM applies to no resource type: only "*" grants it) and may invoke
    # the function's versions, the new one above all.
    hook_grants = [
        iam.allow(["codedeploy:PutLifecycleEventHookExecutionStatus"], ["*"]),
        iam.lambda_invoke([pulumi.Output.concat(function.arn, ":*")]),
    ]
    hooks: dict[str, tuple[pulumi.Output[str], pulumi.Output[str]]] = {}
    for key, hook_args in (("pre_traffic_hook", args.pre_traffic_hook), ("post_traffic_hook", args.post_traffic_hook)):
        if hook_args is not None:
            hooks[key] = site.hook(key.removesuffix("_hook").replace("_", "-"), hook_args, hook_grants)
    built.error_alarm = metric_alarm(
        f"{name}-alias",
        AlarmSpec(
            suffix="errors",
            metric_name="Errors",
            namespace="AWS/Lambda",
            # The alias's own metric: errors of whichever version serves it, the new one during a shift.
            dimensions={
                "FunctionName": function.name,
                "Resource": pulumi.Output.concat(function.name, ":", alias.name),
            },
            threshold=0,
            comparison="GreaterThanThreshold",
            period_seconds=defaults.LAMBDA_DEPLOYMENT_ALARM_PERIOD_SECONDS,
            description="The live alias answered with errors: CodeDeploy rolls a deployment in progress back.",
        ),
        context=context,
        parent=parent,
        tags=tags,
    )
    alarm_names = [built.error_alarm.name, *args.alarm_names]
    config_name: pulumi.Input[str]
    if isinstance(args.config, TrafficShift):
        shift = args.config
        step = {"interval": shift.interval_minutes, "percentage": shift.percentage}
        canary = codedeploy.DeploymentConfigTrafficRoutingConfigTimeBasedCanaryArgs(**step)
        linear = codedeploy.DeploymentConfigTrafficRoutingConfigTimeBasedLinearArgs(**step)
        config = codedeploy.DeploymentConfig(
            f"{name}-shift",
            deployment_config_name=context.physical_name(f"{name}-{shift.kind}", names.CODEDEPLOY_DEPLOYMENT_CONFIG),
            compute_platform="Lambda",
            traffic_routing_config=codedeploy.DeploymentConfigTrafficRoutingConfigArgs(
                type="TimeBasedCanary" if shift.kind == "canary" else "TimeBasedLinear",
                time_based_canary=canary if shift.kind == "canary" else None,
                time_based_linear=linear if shift.kind == "linear" else None,
            ),
            opts=child,
        )
        config_name = config.deployment_config_name
    else:
        config_name = args.config
    statements = [
        iam.allow(["lambda:GetAlias", "lambda:UpdateAlias"], [alias.arn]),
        iam.allow(["cloudwatch:DescribeAlarms"], [_alarm_arn(region, account, alarm) for alarm in alarm_names]),
    ]
    if built.provisioned is not None:
        statements.append(iam.allow(["lambda:GetProvisionedConcurrencyConfig"], [alias.arn]))
    if hooks:
        statements.append(iam.lambda_invoke([arn for _, arn in hooks.values()]))
    role = iam.service_role(
        f"{name}-deploy", "codedeploy.amazonaws.com", statements, parent=parent, tags=tags, source_account=account
    )
    built.deployment_group = codedeploy.DeploymentGroup(
        f"{name}-deploy-group",
        app_name=built.application.name,
        deployment_group_name=group_name,
        service_role_arn=role.role.arn,
        deployment_config_name=config_name,
        deployment_style={"deployment_option": "WITH_TRAFFIC_CONTROL", "deployment_type": "BLUE_GREEN"},
        auto_rollback_configuration={"enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]},
        alarm_configuration={"enabled": True, "alarms": alarm_names},
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[role.policy]),
    )
    props: dict[str, pulumi.Input[Any]] = {
        "region": region,
        "profile": pulumi.Config("aws").get("profile") or "",
        "application_name": built.application.name,
        "deployment_group_name": built.deployment_group.deployment_group_name,
        "function_name": function.name,
        "alias_name": alias.name,
        "target_version": function.version,
        "timeout_minutes": args.timeout_minutes,
        "poll_seconds": defaults.LAMBDA_DEPLOYMENT_POLL_SECONDS,
        **{key: hook_name for key, (hook_name, _) in hooks.items()},
    }
    built.deployment = LambdaDeployment(
        f"{name}-deployment",
        props,
        pulumi.ResourceOptions(
            parent=parent,
            depends_on=[alias, built.deployment_group, *([built.provisioned] if built.provisioned else [])],
            custom_timeouts=pulumi.CustomTimeouts(
                create=f"{args.timeout_minutes + 5}m", update=f"{args.timeout_minutes + 5}m"
            ),
        ),
    )


def _alarm_arn(region: str, account: pulumi.Output[str], alarm: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.concat("arn:aws:cloudwatch:", region, ":", account, ":alarm:", alarm)
