"""IAM's refusals, one each: a function granted PutItem on one table (not the other) and no grant to send to
the queue it is told about; a topic delivering to a queue whose policy lets it send, and to one whose policy
names another topic as the source; two queues under customer-managed keys the function may send to, one whose
key it is granted through SQS and one whose key it is not."""

import json

import pulumi
import pulumi_aws as aws

from pulumi_wasp.components import ServerlessFunction, ServerlessFunctionArgs
from pulumi_wasp.components.shared import iam


def table(name: str) -> aws.dynamodb.Table:
    return aws.dynamodb.Table(
        name, hash_key="pk", attributes=[{"name": "pk", "type": "S"}], billing_mode="PAY_PER_REQUEST"
    )


granted, other = table("granted"), table("other")
outbox = aws.sqs.Queue("outbox")
open_key, sealed_key = aws.kms.Key("open", enable_key_rotation=True), aws.kms.Key("sealed", enable_key_rotation=True)
keyed, sealed = (
    aws.sqs.Queue("keyed", kms_master_key_id=open_key.arn),
    aws.sqs.Queue("sealed", kms_master_key_id=sealed_key.arn),
)
writer = ServerlessFunction(
    "writer",
    ServerlessFunctionArgs(
        handler="iam_probe.handler.handler",
        code=["../../functions/iam_probe"],
        # PutItem on `granted` only, and nothing on `outbox` (the grant this program leaves out); SendMessage on
        # both encrypted queues, the data key of `keyed`'s key only.
        permissions=[
            iam.allow(["dynamodb:PutItem"], [granted.arn]),
            iam.sqs_send(keyed.arn),
            iam.sqs_send(sealed.arn),
            iam.kms_encrypt(open_key.arn, "sqs"),
        ],
        alarms=False,
    ),
)

topic, stranger = aws.sns.Topic("orders"), aws.sns.Topic("stranger")


def subscribed_queue(name: str, source: aws.sns.Topic) -> aws.sqs.Queue:
    """A queue subscribed to `topic` whose policy lets `source` (and only it) send."""
    queue = aws.sqs.Queue(name)
    policy = pulumi.Output.all(queue.arn, source.arn).apply(
        lambda arns: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "sns.amazonaws.com"},
                        "Action": "sqs:SendMessage",
                        "Resource": arns[0],
                        "Condition": {"ArnEquals": {"aws:SourceArn": arns[1]}},
                    }
                ],
            }
        )
    )
    aws.sqs.QueuePolicy(name, queue_url=queue.url, policy=policy)
    aws.sns.TopicSubscription(name, topic=topic.arn, protocol="sqs", endpoint=queue.arn)
    return queue


trusted = subscribed_queue("trusted", topic)
untrusted = subscribed_queue("untrusted", stranger)

pulumi.export("function_name", writer.function.name)
pulumi.export("role_name", writer.role.name)
pulumi.export("granted_table", granted.name)
pulumi.export("other_table", other.name)
pulumi.export("outbox_url", outbox.url)
pulumi.export("keyed_url", keyed.url)
pulumi.export("sealed_url", sealed.url)
pulumi.export("sealed_key_arn", sealed_key.arn)
pulumi.export("topic_arn", topic.arn)
pulumi.export("trusted_url", trusted.url)
pulumi.export("untrusted_url", untrusted.url)
