"""A function traced only on pass-through, a log group keeping its logs forever and no `team` tag anywhere: the
gaps the policy pack fixes at level ``remediate`` (lambda-tracing-active, log-group-retention, required-tags),
so the local cloud's tests can see what is deployed with and without it. Its stacks differ only by name: the
names of what they deploy do too, so both fit in one process's emulator (its state outlives an Emulator)."""

import pulumi
import pulumi_aws as aws

from pulumi_wasp.components import ServerlessFunction, ServerlessFunctionArgs

untraced = ServerlessFunction(
    "untraced",
    ServerlessFunctionArgs(
        handler="probe.handler.handler",
        code=["../../functions/probe"],
        alarms=False,
        overrides={"tracing_config": {"mode": "PassThrough"}},
    ),
)
audit = aws.cloudwatch.LogGroup("audit", name=f"/wasp/{pulumi.get_stack()}/audit")

pulumi.export("function_name", untraced.function.name)
pulumi.export("log_group_name", audit.name)
