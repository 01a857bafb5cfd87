"""Writes greetings from queue messages, reads them back by name."""

import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def write(event, context):
    failures = []
    for record in event["Records"]:
        try:
            body = json.loads(record["body"])
            table.put_item(Item={"name": body["name"], "greeting": f"hello, {body['name']}"})
        except (KeyError, ValueError):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def read(event, context):
    item = table.get_item(Key={"name": event["name"]}).get("Item")
    return {"found": item is not None, "greeting": item and item["greeting"]}
