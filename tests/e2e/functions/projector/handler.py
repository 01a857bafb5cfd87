"""A projection of the event store into the view table, idempotent (one item per event, put by its key): it
fails a batch holding a "poison" event until the view holds the ``__fixed__`` item."""

import os

import boto3

VIEW = os.environ["VIEW_TABLE"]
dynamodb = boto3.client("dynamodb")


def fixed() -> bool:
    return "Item" in dynamodb.get_item(TableName=VIEW, Key={"id": {"S": "__fixed__"}}, ConsistentRead=True)


def handler(event, context):
    images = [record["dynamodb"]["NewImage"] for record in event["Records"] if record["eventName"] == "INSERT"]
    if any(image.get("poison", {}).get("BOOL") for image in images) and not fixed():
        raise ValueError("cannot project a poison event yet")
    for image in images:
        event_id = f"{image['aggregateId']['S']}#{image['version']['N']}"
        dynamodb.put_item(TableName=VIEW, Item={"id": {"S": event_id}, "type": image["type"]})
    return {"batchItemFailures": []}
