"""A provisioned table whose reads and writes (and its global index's) auto-scale, encrypted with a
customer-managed key: what the local cloud deploys of DynamoDB capacity and Application Auto Scaling."""

import pulumi
import pulumi_aws as aws

from pulumi_wasp.components import CapacityScaling, GlobalSecondaryIndex, ProvisionedCapacity, Table, TableArgs

key = aws.kms.Key("metrics", enable_key_rotation=True)
metrics = Table(
    "metrics",
    TableArgs(
        hash_key="pk",
        billing_mode="PROVISIONED",
        capacity=ProvisionedCapacity(write=CapacityScaling(min_capacity=2, max_capacity=40, target_utilization=50)),
        global_secondary_indexes=[GlobalSecondaryIndex("by-day", "day")],
        kms_key_arn=key.arn,
    ),
)
pulumi.export("table_name", metrics.name)
pulumi.export("key_arn", key.arn)
