"""A saga's one step, and a starter that starts the execution its event names with its own role."""

import boto3
from botocore.exceptions import ClientError


def work(event, context):
    return {"worked": True}


def start(event, context):
    """StartExecution of ``event["machine"]`` named ``event["name"]``; the error's code and message when refused."""
    try:
        boto3.client("stepfunctions").start_execution(stateMachineArn=event["machine"], name=event["name"], input="{}")
    except ClientError as error:
        return {"error": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}
    return {"ok": True}
