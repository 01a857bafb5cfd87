"""RestApi's WAF: a component-created web ACL from AWS's managed rule groups, or an existing one, on the stage."""

from __future__ import annotations

import pytest

from pulumi_wasp.components import RestApi, RestApiArgs, Route, ServerlessFunction, ServerlessFunctionArgs, WafArgs
from pulumi_wasp.synthesis import ProgramError
from tests.unit.conftest import logged, one, synth, within

ACL = "aws:wafv2/webAcl:WebAcl"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
EXISTING_ACL = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/shared/0000"


def api(name: str, **args) -> RestApi:
    function = ServerlessFunction(
        f"{name}-fn", ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"], behind_api=True)
    )
    return RestApi(name, RestApiArgs(routes=[Route("GET", "/items", function)], **args))


def program() -> None:
    api("guarded", waf=WafArgs())
    api("shared", waf=WafArgs(web_acl_arn=EXISTING_ACL))
    api("quiet", waf=WafArgs(logging=False, rate_limit_per_ip=None, managed_rule_groups=["AWSManagedRulesSQLiRuleSet"]))
    api("open")


@pytest.fixture(scope="module")
def stack():
    return synth(program)


def rules(stack, name="guarded"):
    return {rule["name"]: rule for rule in one(stack, name, ACL).inputs["rules"]}


def test_the_stage_is_associated_with_the_created_web_acl(stack):
    association = one(stack, "guarded", ASSOCIATION).inputs
    assert association["resourceArn"] == one(stack, "guarded", "aws:apigateway/stage:Stage").outputs["arn"]
    assert association["webAclArn"] == one(stack, "guarded", ACL).outputs["arn"]


def test_the_created_web_acl_is_regional_and_allows_what_no_rule_blocks(stack):
    acl = one(stack, "guarded", ACL).inputs
    assert acl["scope"] == "REGIONAL"
    assert acl["defaultAction"] == {"allow": {}}


def test_the_created_web_acl_evaluates_the_aws_managed_rule_groups_with_their_own_actions(stack):
    managed = {name: rule for name, rule in rules(stack).items() if name != "RateLimitPerIp"}
    assert list(managed) == [
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    ]
    for name, rule in managed.items():
        assert rule["statement"] == {"managedRuleGroupStatement": {"name": name, "vendorName": "AWS"}}
        assert rule["overrideAction"] == {"none": {}}


def test_a_client_ip_over_2000_requests_in_5_minutes_is_blocked(stack):
    rate = rules(stack)["RateLimitPerIp"]
    assert rate["action"] == {"block": {}}
    assert rate["statement"]["rateBasedStatement"] == {
        "limit": 2000,
        "aggregateKeyType": "IP",
        "evaluationWindowSec": 300,
    }


def test_every_rule_has_a_priority_of_its_own_and_metrics(stack):
    assert sorted(rule["priority"] for rule in rules(stack).values()) == [0, 1, 2, 3]
    for rule in rules(stack).values():
        assert rule["visibilityConfig"]["cloudwatchMetricsEnabled"] is True
        assert rule["visibilityConfig"]["sampledRequestsEnabled"] is True


def test_waf_logs_to_an_aws_waf_logs_group_with_the_stacks_retention_and_redacts_the_signature(stack):
    logging = one(stack, "guarded", LOGGING).inputs
    group = next(
        g for g in within(stack, "guarded", "aws:cloudwatch/logGroup:LogGroup") if g.name == "guarded-waf-logs"
    )
    assert group.inputs["name"].startswith("aws-waf-logs-") and group.inputs["retentionInDays"] == 14
    assert logging["logDestinationConfigs"] == [group.outputs["arn"]]
    assert logging["resourceArn"] == one(stack, "guarded", ACL).outputs["arn"]
    assert logging["redactedFields"] == [{"singleHeader": {"name": "authorization"}}]


def test_an_existing_web_acl_is_associated_and_none_is_created(stack):
    assert one(stack, "shared", ASSOCIATION).inputs["webAclArn"] == EXISTING_ACL
    assert within(stack, "shared", ACL) == [] and within(stack, "shared", LOGGING) == []


def test_logging_and_the_rate_rule_are_left_out_when_asked(stack):
    assert list(rules(stack, "quiet")) == ["AWSManagedRulesSQLiRuleSet"]
    assert within(stack, "quiet", LOGGING) == []


def test_no_waf_without_waf_args(stack):
    assert within(stack, "open", ASSOCIATION) == [] and within(stack, "open", ACL) == []


def test_web_acl_settings_beside_an_existing_web_acl_are_an_error_naming_them():
    with pytest.raises(ValueError, match=r"RestApiArgs\.waf: web_acl_arn .* rate_limit_per_ip, logging"):
        WafArgs(web_acl_arn=EXISTING_ACL, rate_limit_per_ip=100, logging=False).validate("RestApiArgs.waf")


def test_a_web_acl_without_rules_is_an_error():
    with pytest.raises(ValueError, match="without rules allows everything"):
        WafArgs(managed_rule_groups=[], rate_limit_per_ip=None).validate("RestApiArgs.waf")


def test_a_rate_limit_waf_refuses_is_an_error_naming_the_field():
    with pytest.raises(ValueError, match=r"RestApiArgs\.waf\.rate_limit_per_ip must be 10\.\.2000000000, got 5"):
        WafArgs(rate_limit_per_ip=5).validate("RestApiArgs.waf")


def test_an_evaluation_window_waf_refuses_is_an_error_naming_the_field():
    with pytest.raises(ValueError, match=r"RestApiArgs\.waf\.rate_limit_window_seconds must be one of"):
        WafArgs(rate_limit_window_seconds=30).validate("RestApiArgs.waf")


def test_a_rule_group_named_twice_is_an_error():
    with pytest.raises(ValueError, match="names a rule group twice"):
        WafArgs(managed_rule_groups=["AWSManagedRulesCommonRuleSet"] * 2).validate("RestApiArgs.waf")


def test_an_access_log_format_without_the_request_id_is_an_error():
    with pytest.raises(ProgramError, match=r"RestApiArgs\.access_log_format must contain \$context\.requestId"):
        synth(lambda: api("anonymous", access_log_format='{"ip": "$context.identity.sourceIp"}'))


def test_an_access_log_format_that_is_not_json_warns_naming_the_rule():
    with logged() as lines:
        synth(lambda: api("text", access_log_format="$context.requestId $context.status"))
    assert any("apigw-structured-access-logs" in line for line in lines.at("WARNING"))
