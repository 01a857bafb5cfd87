"""Step Functions: state machines (the emulator executes their ASL; Lambda tasks reach the runtime)."""

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
from pulumi_wasp.localcloud.deploy.registry import Skipped

#: Why a state machine under a customer-managed key is listed as adjusted.
EXECUTION_KEY_NOT_EVALUATED = (
    "its customer-managed key is recorded but not used: the emulator keeps execution data in clear, so neither the "
    "role's nor a caller's kms:GenerateDataKey / kms:Decrypt through Step Functions is checked"
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
            kmsDataKeyReusePeriodSeconds=encryption.get("kmsDataKeyReusePeriodSeconds"),
        )
        or None,
    )
    if encryption.get("type") == "CUSTOMER_MANAGED_KMS_KEY":
        ctx.registry.adjust(Skipped(args.typ, args.name, EXECUTION_KEY_NOT_EVALUATED))
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
