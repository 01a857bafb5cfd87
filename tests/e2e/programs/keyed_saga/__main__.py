"""Sagas under customer-managed keys and what starts them: ``granted`` under a user's key whose policy delegates to
IAM (the saga's own role grant is enough), ``closed`` under a key whose policy lets the account administer it but
not use it (the same role grant counts for nothing), and ``bare``, a state machine under the first key whose role
was granted nothing of it. A starter function granted only ``iam.states_start`` and an EventRouter with a
StateMachineTarget rule per machine start them: StartExecution asks nothing of the key of its caller. Both keys let CloudWatch Logs encrypt the sagas' log
groups and deliver their logs (the statements each saga lists in ``required_key_policy``; without them the log
groups are refused, as on AWS)."""

import json

import pulumi
import pulumi_aws as aws

from pulumi_wasp.components import (
    EventRouter,
    EventRouterArgs,
    EventRule,
    Saga,
    SagaArgs,
    ServerlessFunction,
    ServerlessFunctionArgs,
    StateMachineTarget,
    Step,
)
from pulumi_wasp.components.shared import iam, kms

CODE = ["../../functions/keyed_saga"]
SOURCE = "tests.keyed-saga"


def function(handler: str, permissions: list[dict[str, object]] | None = None) -> ServerlessFunctionArgs:
    return ServerlessFunctionArgs(handler=handler, code=CODE, alarms=False, permissions=permissions or [])


def saga(name: str, key: aws.kms.Key) -> Saga:
    step = Step(name="Work", function=function("keyed_saga.handler.work"), no_compensation="the test's only step")
    return Saga(name, SagaArgs(kms_key_arn=key.arn, steps=[step], alarms=False))


account = aws.get_caller_identity_output().account_id
region = aws.config.region or "us-east-1"
saga_logs = pulumi.Output.concat("arn:aws:logs:", region, ":", account, ":log-group:/aws/vendedlogs/states/*")
logging = [kms.log_group_statement([saga_logs], region), kms.log_delivery_statement()]
# A user's key: its policy delegates to IAM (the account's root), as kms.Key's default does on AWS.
delegated = {
    "Sid": "AccountDelegatesToIam",
    "Effect": "Allow",
    "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", account, ":root")},
    "Action": "kms:*",
    "Resource": "*",
}
data_key = aws.kms.Key(
    "data",
    enable_key_rotation=True,
    policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [delegated, *logging]}),
)
administered = {
    "Sid": "AccountAdministersOnly",
    "Effect": "Allow",
    "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", account, ":root")},
    "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:Put*", "kms:Enable*", "kms:Disable*"],
    "Resource": "*",
}
closed_key = aws.kms.Key(
    "closed",
    enable_key_rotation=True,
    policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [administered, *logging]}),
)

granted = saga("granted", data_key)
closed = saga("closed", closed_key)
bare_role = aws.iam.Role(
    "bare",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
bare = aws.sfn.StateMachine(
    "bare",
    role_arn=bare_role.arn,
    definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}),
    encryption_configuration={"type": "CUSTOMER_MANAGED_KMS_KEY", "kms_key_id": data_key.arn},
)

starter = ServerlessFunction(
    "starter",
    function("keyed_saga.handler.start", permissions=[iam.states_start(m.arn) for m in (granted, closed, bare)]),
)
router = EventRouter(
    "starts",
    EventRouterArgs(
        rules=[
            EventRule(
                name=name,
                event_pattern={"source": [SOURCE], "detail-type": [name]},
                targets=[StateMachineTarget(arn)],
                max_retries=0,
            )
            for name, arn in (("granted", granted.arn), ("closed", closed.arn))
        ]
    ),
)

pulumi.export("machines", {"granted": granted.arn, "closed": closed.arn, "bare": bare.arn})
pulumi.export("keys", {"data": data_key.arn, "closed": closed_key.arn})
pulumi.export("starter", starter.function.name)
pulumi.export("bus", router.name)
pulumi.export("dlqs", {name: queue.url for name, queue in router.dlqs.items()})
