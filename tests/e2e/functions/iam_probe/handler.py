"""A function that makes the one AWS call its event names, with its own role's credentials, and returns
the outcome (the error's code and message when AWS, here the local cloud, refuses it)."""

import boto3
from botocore.exceptions import ClientError


def handler(event, context):
    try:
        if event["call"] == "put_item":
            boto3.client("dynamodb").put_item(TableName=event["table"], Item={"pk": {"S": "probe"}})
        elif event["call"] == "send_message":
            boto3.client("sqs").send_message(QueueUrl=event["queue_url"], MessageBody="probe")
        else:
            raise ValueError(f"unknown call {event['call']!r}")
    except ClientError as error:
        return {"error": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}
    return {"ok": True}
