"""A Table under a user's customer-managed key and one under DynamoDB's own, and two functions that may read and
write both: one granted the key through DynamoDB (what TableArgs.kms_key_arn says readers and writers need), one
not."""

import pulumi
import pulumi_aws as aws

from pulumi_wasp.components import ServerlessFunction, ServerlessFunctionArgs, Table, TableArgs
from pulumi_wasp.components.shared import iam

CODE = ["../../functions/keyed"]

# A user's key: its default policy delegates to IAM (the account's root), as kms.Key's does on AWS.
data_key = aws.kms.Key("data", enable_key_rotation=True)
keyed = Table("keyed", TableArgs(hash_key="id", kms_key_arn=data_key.arn))
plain = Table("plain", TableArgs(hash_key="id"))


def items_function(name: str, *granted: iam.Statement) -> ServerlessFunction:
    return ServerlessFunction(
        name,
        ServerlessFunctionArgs(
            handler="keyed.handler.items",
            code=CODE,
            alarms=False,
            permissions=[*iam.dynamodb_read_write(keyed.arn), *iam.dynamodb_read_write(plain.arn), *granted],
        ),
    )


granted = items_function("table-granted", iam.kms_decrypt(data_key.arn, "dynamodb"))
ungranted = items_function("table-ungranted")

pulumi.export("tables", {"keyed": keyed.name, "plain": plain.name})
pulumi.export("functions", {"granted": granted.function.name, "ungranted": ungranted.function.name})
pulumi.export("key", data_key.arn)
