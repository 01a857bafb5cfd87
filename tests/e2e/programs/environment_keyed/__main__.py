"""Two functions whose environment variables and log groups are under customer-managed keys whose policies let
CloudWatch Logs use them for the functions' log groups: one key delegates to IAM (the account's root), so the role
ServerlessFunction gives kms:Decrypt through Lambda may decrypt; the other names only a key administrator, so no
identity policy of the function's role counts."""

import pulumi
import pulumi_aws as aws

from pulumi_wasp.components import ServerlessFunction, ServerlessFunctionArgs

account = aws.get_caller_identity_output().account_id
region = aws.get_region_output().region
ADMINISTERED = {
    "Sid": "AccountAdministers",
    "Effect": "Allow",
    "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", account, ":root")},
    "Action": "kms:*",
    "Resource": "*",
}
LOGS_USE = {
    "Sid": "CloudWatchLogsEncrypts",
    "Effect": "Allow",
    "Principal": {"Service": pulumi.Output.concat("logs.", region, ".amazonaws.com")},
    "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
    "Resource": "*",
    "Condition": {
        "ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": pulumi.Output.concat(
                "arn:aws:logs:", region, ":", account, ":log-group:/aws/lambda/*"
            )
        }
    },
}
KEY_ADMINISTRATOR = {
    "Sid": "KeyAdministratorAdministers",
    "Effect": "Allow",
    "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", account, ":role/key-admin")},
    "Action": "kms:*",
    "Resource": "*",
}


def key(name: str, administrator: dict[str, object]) -> aws.kms.Key:
    document = {"Version": "2012-10-17", "Statement": [administrator, LOGS_USE]}
    return aws.kms.Key(name, enable_key_rotation=True, policy=pulumi.Output.json_dumps(document))


def keyed(name: str, key: aws.kms.Key) -> ServerlessFunction:
    return ServerlessFunction(
        name,
        ServerlessFunctionArgs(
            handler="keyed.handler.environment",
            code=["../../functions/keyed"],
            alarms=False,
            kms_key_arn=key.arn,
            environment={"SECRET": "s3cr3t"},
        ),
    )


granted = keyed("env-granted", key("env-granted", ADMINISTERED))
denied = keyed("env-denied", key("env-denied", KEY_ADMINISTRATOR))

pulumi.export("granted", granted.function.name)
pulumi.export("denied", denied.function.name)
