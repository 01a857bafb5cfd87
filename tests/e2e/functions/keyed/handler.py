"""A producer that writes into what the components encrypt with customer-managed keys (its event names the call),
and the consumers the components wire to them, each reading what it was handed with its own role."""

import base64
import json
import os
import urllib.parse

import boto3
from botocore.exceptions import ClientError


def produce(event, context):
    """Make the one call ``event["call"]`` names; its outcome (the error's code and message when refused)."""
    try:
        if event["call"] == "send_message":
            boto3.client("sqs").send_message(QueueUrl=event["queue_url"], MessageBody=json.dumps({"via": "queue"}))
        elif event["call"] == "publish":
            boto3.client("sns").publish(TopicArn=event["topic_arn"], Message=json.dumps({"via": "topic"}))
        elif event["call"] == "put_object":
            boto3.client("s3").put_object(Bucket=event["bucket"], Key="uploads/order.csv", Body=b"order,1\n")
        elif event["call"] == "put_record":
            data = json.dumps({"via": "stream"}).encode()
            boto3.client("kinesis").put_record(StreamName=event["stream"], Data=data, PartitionKey="orders")
        else:
            raise ValueError(f"unknown call {event['call']!r}")
    except ClientError as error:
        return {"error": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}
    return {"ok": True}


def consume(event, context):
    """A queue's or a stream's records (decrypted by the service for the mapping's role)."""
    for record in event["Records"]:
        body = record["body"] if "body" in record else base64.b64decode(record["kinesis"]["data"]).decode()
        print(f"consumed {body}", flush=True)
    return {"batchItemFailures": []}


def on_object(event, context):
    """An uploaded object read back (kms:Decrypt through S3) and a report written next to it (a data key)."""
    s3 = boto3.client("s3")
    for record in event["Records"]:
        bucket, key = record["s3"]["bucket"]["name"], urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        s3.put_object(Bucket=bucket, Key=f"{key}.report", Body=b"%d bytes" % len(body))
        print(f"consumed {key} ({len(body)} bytes)", flush=True)


def environment(event, context):
    """The environment variable Lambda decrypted for the handler."""
    return {"secret": os.environ.get("SECRET")}


def items(event, context):
    """Write an item into ``event["table"]`` and read it back; the error's code and message when refused."""
    table = boto3.client("dynamodb")
    try:
        table.put_item(TableName=event["table"], Item={"id": {"S": "order-1"}})
        found = table.get_item(TableName=event["table"], Key={"id": {"S": "order-1"}})
    except ClientError as error:
        return {"error": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}
    return {"ok": "Item" in found}
