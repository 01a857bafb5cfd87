"""shared.alarms: the stack's alarm topic, ``(name, AlarmTopicArgs, opts)``, and its 0.1.0 keyword form."""

from __future__ import annotations

import json

import pytest

from pulumi_wasp.components import AlarmTopic, AlarmTopicArgs, StackContext
from pulumi_wasp.synthesis import ProgramError
from tests.unit.conftest import synth

TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
CONTEXT = StackContext(tags={"team": "platform"})


def graph(stack) -> list[tuple[str, str, dict]]:
    return sorted((r.type, r.name, r.inputs) for r in stack if r.custom)


def test_the_args_form_subscribes_the_email_and_merges_tags_over_the_context():
    stack = synth(
        lambda: AlarmTopic("alarms", AlarmTopicArgs(email="ops@example.com", tags={"tier": "1"}, context=CONTEXT))
    )
    assert stack.named("alarms-email", SUBSCRIPTION).inputs["endpoint"] == "ops@example.com"
    tags = stack.named("alarms-topic", TOPIC).inputs["tags"]
    assert (tags["team"], tags["tier"]) == ("platform", "1")


def test_the_keyword_form_warns_and_builds_the_same_graph():
    def old() -> None:
        with pytest.warns(DeprecationWarning, match=r"AlarmTopic\(name, email=..., tags=...\) is deprecated"):
            AlarmTopic("alarms", email="ops@example.com", tags={"tier": "1"})

    new = synth(lambda: AlarmTopic("alarms", AlarmTopicArgs(email="ops@example.com", tags={"tier": "1"})))
    assert graph(synth(old)) == graph(new)


def test_args_and_the_keyword_form_together_are_an_error():
    with pytest.raises(ProgramError, match="pass AlarmTopicArgs or the deprecated email=/tags= keywords, not both"):
        synth(lambda: AlarmTopic("alarms", AlarmTopicArgs(), email="ops@example.com"))


def test_an_email_without_at_is_rejected_naming_the_arg():
    with pytest.raises(ValueError, match="AlarmTopicArgs.email must be an e-mail address"):
        AlarmTopicArgs(email="ops").validate()


def test_the_topic_denies_publishing_without_tls():
    stack = synth(lambda: AlarmTopic("alarms", AlarmTopicArgs()))
    deny = json.loads(stack.named("alarms-topic-policy", TOPIC_POLICY).inputs["policy"])["Statement"][0]
    assert (deny["Effect"], deny["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})


def test_cloudwatch_publishes_only_for_the_accounts_alarms():
    stack = synth(lambda: AlarmTopic("alarms", AlarmTopicArgs()))
    topic = stack.named("alarms-topic", TOPIC).outputs["arn"]
    region, account = topic.split(":")[3:5]
    allow = json.loads(stack.named("alarms-topic-policy", TOPIC_POLICY).inputs["policy"])["Statement"][1]
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": f"arn:aws:cloudwatch:{region}:{account}:alarm:*"}}
