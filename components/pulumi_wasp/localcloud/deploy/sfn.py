"""Step Functions: state machines (the emulator executes their ASL; Lambda tasks reach the runtime). A machine's
customer-managed key is created with it and evaluated by the local cloud's IAM (its role's use of it to start an
execution, a caller's to read one), as every other resource's key."""

from __future__ import annotations

from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.localcloud.deploy.context import (
    Creator,
    DeployContext,
    Outputs,
    compact,
    physical_name,
    tag_list,
    value,
)


def state_machine(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args)
    logging = value(args, "loggingConfiguration") or {}
    tracing = value(args, "tracingConfiguration") or {}
    encryption = value(args, "encryptionConfiguration") or {}
    request = compact(
        type=value(args, "type") or "STANDARD",
        loggingConfiguration=compact(
            level=logging.get("level"),
            includeExecutionData=logging.get("includeExecutionData"),
            destinations=[{"cloudWatchLogsLogGroup": {"logGroupArn": logging["logDestination"]}}]
            if logging.get("logDestination")
            else None,
        )
        or None,
        tracingConfiguration={"enabled": bool(tracing.get("enabled"))} if tracing else None,
        encryptionConfiguration=compact(
            type=encryption.get("type"),
            kmsKeyId=encryption.get("kmsKeyId"),
            # The engine's numbers are floats; Step Functions takes whole seconds.
            kmsDataKeyReusePeriodSeconds=int(encryption["kmsDataKeyReusePeriodSeconds"])
            if encryption.get("kmsDataKeyReusePeriodSeconds") is not None
            else None,
        )
        or None,
    )
    response = ctx.client("stepfunctions").create_state_machine(
        name=name,
        definition=value(args, "definition"),
        roleArn=value(args, "roleArn"),
        tags=[{"key": t["Key"], "value": t["Value"]} for t in tag_list(args)],
        **request,
    )
    arn = response["stateMachineArn"]
    ctx.registry.record("state_machines", args.name, arn)
    return arn, {"name": name, "arn": arn, "creationDate": response["creationDate"].isoformat(), "status": "ACTIVE"}


#: One cheap read per service: loads its model on both sides before the deploy's threads need it.
WARM_UP = {"stepfunctions": "list_state_machines"}
RESOURCES: dict[str, Creator] = {"aws:sfn/stateMachine:StateMachine": state_machine}
