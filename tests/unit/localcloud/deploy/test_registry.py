"""What the deploy records for the runtime, and the one parser of a function as Lambda requests name it: every form
of Invoke's FunctionName and Qualifier, and Lambda's refusals of what breaks their constraints."""

from __future__ import annotations

import pytest

from pulumi_wasp.localcloud.deploy.registry import (
    FUNCTION_NAME_PATTERN,
    QUALIFIER_PATTERN,
    FunctionNameError,
    FunctionNotFoundError,
    FunctionRef,
    FunctionSpec,
    InvalidFunctionNameError,
    QualifierConflictError,
    Registry,
    parse_function_name,
)

REGION, ACCOUNT = "eu-west-1", "123456789012"
ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-api"


def test_a_bare_name_is_unqualified() -> None:
    assert parse_function_name("orders-api") == FunctionRef("orders-api")


def test_a_name_with_an_alias_names_the_alias() -> None:
    assert parse_function_name("orders-api:live") == FunctionRef("orders-api", "live")


def test_a_full_arn_names_its_region_and_account() -> None:
    assert parse_function_name(ARN) == FunctionRef("orders-api", None, REGION, ACCOUNT)


def test_a_qualified_full_arn_names_its_qualifier() -> None:
    assert [parse_function_name(f"{ARN}:{q}").qualifier for q in ("live", "3", "$LATEST")] == ["live", "3", "$LATEST"]


def test_a_partial_arn_names_its_account() -> None:
    assert parse_function_name(f"{ACCOUNT}:function:orders-api:2") == FunctionRef("orders-api", "2", None, ACCOUNT)


def test_the_qualifier_parameter_qualifies_an_unqualified_name() -> None:
    assert parse_function_name(ARN, "live") == FunctionRef("orders-api", "live", REGION, ACCOUNT)


def test_the_same_qualifier_in_the_name_and_the_parameter_is_accepted() -> None:
    assert parse_function_name("orders-api:live", "live").qualifier == "live"


def test_the_invoked_arn_keeps_the_qualifier_and_fills_in_region_and_account() -> None:
    assert parse_function_name("orders-api:live").arn(REGION, ACCOUNT) == f"{ARN}:live"
    assert parse_function_name(ARN).arn("us-east-1", "999999999999") == ARN


def test_differing_qualifiers_in_the_name_and_the_parameter_are_refused() -> None:
    with pytest.raises(QualifierConflictError) as raised:
        parse_function_name("orders-api:live", "2")
    assert str(raised.value) == "The derived qualifier from the function name does not match the specified qualifier."
    assert (raised.value.lambda_error_code, raised.value.lambda_status) == ("InvalidParameterValueException", 400)


@pytest.mark.parametrize("malformed", ["", "orders api", "orders-api:live:extra", "orders-api:$latest", "a:b:c:d"])
def test_a_malformed_function_name_is_a_validation_error_quoting_the_pattern(malformed: str) -> None:
    with pytest.raises(InvalidFunctionNameError) as raised:
        parse_function_name(malformed)
    assert str(raised.value) == (
        f"1 validation error detected: Value '{malformed}' at 'functionName' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {FUNCTION_NAME_PATTERN}"
    )
    assert (raised.value.lambda_error_code, raised.value.lambda_status) == ("ValidationException", 400)


def test_a_bare_name_longer_than_64_characters_is_a_validation_error() -> None:
    with pytest.raises(InvalidFunctionNameError, match="at 'functionName' .* length less than or equal to 64"):
        parse_function_name("f" * 65)


def test_an_arn_longer_than_170_characters_is_a_validation_error() -> None:
    with pytest.raises(InvalidFunctionNameError, match="length less than or equal to 170"):
        parse_function_name(f"{ARN}:{'q' * 120}")


def test_a_malformed_qualifier_parameter_is_a_validation_error_quoting_its_pattern() -> None:
    with pytest.raises(InvalidFunctionNameError) as raised:
        parse_function_name("orders-api", "li ve")
    assert str(raised.value) == (
        "1 validation error detected: Value 'li ve' at 'qualifier' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {QUALIFIER_PATTERN}"
    )


@pytest.mark.parametrize(("qualifier", "bound"), [("", "greater than or equal to 1"), ("q" * 129, "less than or")])
def test_a_qualifier_parameter_outside_1_to_128_characters_is_a_validation_error(qualifier: str, bound: str) -> None:
    with pytest.raises(InvalidFunctionNameError, match=f"at 'qualifier' failed .* have length {bound}"):
        parse_function_name("orders-api", qualifier)


def test_not_found_is_lambdas_resource_not_found_and_still_a_key_error() -> None:
    error = FunctionNotFoundError(f"Function not found: {ARN}:gone")
    assert (error.lambda_error_code, error.lambda_status, str(error)) == (
        "ResourceNotFoundException",
        404,
        f"Function not found: {ARN}:gone",
    )
    assert isinstance(error, KeyError) and isinstance(error, FunctionNameError)


def spec(name: str) -> FunctionSpec:
    return FunctionSpec(
        name,
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        "h.handler",
        {},
        {},
        3,
        128,
        None,
        f"/aws/lambda/{name}",
        name,
    )


def test_the_registry_finds_a_function_by_any_form_of_its_name() -> None:
    registry = Registry(functions={"api": spec("orders-api")})
    forms = ["orders-api", "orders-api:live", ARN, f"{ARN}:3", f"{ACCOUNT}:function:orders-api"]
    assert {registry.function(form).name for form in forms} == {"orders-api"}


def test_the_registry_answers_an_undeployed_function_with_not_found() -> None:
    with pytest.raises(FunctionNotFoundError, match="no function 'billing' was deployed"):
        Registry(functions={"api": spec("orders-api")}).function("billing")
