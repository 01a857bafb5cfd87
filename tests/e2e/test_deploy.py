"""The deploy of the reference system: every resource is created in the emulator (or listed with
the reason it is not), and the program's outputs are the emulator's real ids, ARNs and URLs."""

from __future__ import annotations

from pulumi_wasp.localcloud.scenario import Cloud


def test_only_the_schema_registry_is_not_created_and_it_is_listed_with_a_reason(cloud: Cloud) -> None:
    listed = cloud.endpoints["not_created"]
    assert {entry["type"] for entry in listed} == {"aws:schemas/registry:Registry", "aws:schemas/schema:Schema"}
    assert all(entry["reason"] for entry in listed)
    changed = cloud.endpoints["created_with_changes"]
    assert {entry["type"] for entry in changed} == {"aws:s3/bucketPolicy:BucketPolicy"}
    assert all("DenyInsecureTransport" in entry["reason"] for entry in changed)


def test_stack_outputs_are_the_emulators_own_urls_and_arns(cloud: Cloud) -> None:
    outputs = cloud.outputs
    assert outputs["api_url"].startswith("http://127.0.0.1:") and outputs["api_url"].endswith("/api")
    sqs = cloud.client("sqs")
    for url in [*outputs["queue_urls"].values(), *outputs["dlq_urls"].values()]:
        assert url.startswith(cloud.endpoints["emulator_url"])
        assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    machine = cloud.client("stepfunctions").describe_state_machine(stateMachineArn=outputs["state_machine_arn"])
    assert "ReserveInventory" in machine["definition"]
    functions = {f["FunctionName"] for f in cloud.client("lambda").list_functions()["Functions"]}
    assert set(cloud.endpoints["functions"].values()) <= functions
    assert cloud.client("events").describe_event_bus(Name=outputs["bus_name"])["Name"] == outputs["bus_name"]


def test_event_source_mappings_are_polled_by_the_runtime_not_by_the_emulator(cloud: Cloud) -> None:
    # moto would invoke inside SendMessage/PutItem, without batching, retries or failure handling.
    assert cloud.client("lambda").list_event_source_mappings()["EventSourceMappings"] == []
    polled = {mapping["source"].split(":")[2] for mapping in cloud.status()["mappings"]}
    assert polled == {"sqs", "dynamodb", "kinesis"}
