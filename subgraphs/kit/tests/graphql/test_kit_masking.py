"""kit.graphql.masking: unexpected errors are masked behind a logged correlation id; public ones are kept."""

from __future__ import annotations

import logging

import pytest
import strawberry
from kit.core.errors import InputProblems, Problem, PublicError
from kit.graphql.masking import INTERNAL_ERROR_CODE
from kit.graphql.schema import federated_schema


@strawberry.type
class Inner:
    @strawberry.field
    def fails(self) -> str:
        raise RuntimeError("secret detail: password=hunter2")


@strawberry.type
class Query:
    @strawberry.field
    def boom(self) -> str:
        raise RuntimeError("secret detail")

    @strawberry.field
    async def async_boom(self) -> str | None:
        raise KeyError("secret key")

    @strawberry.field
    def nope(self) -> str:
        raise PublicError("nope", "FORBIDDEN")

    @strawberry.field
    def who(self) -> str:
        raise PublicError("sign in first", "UNAUTHENTICATED")

    @strawberry.field
    def inner(self) -> Inner | None:
        return Inner()

    @strawberry.field
    def fine(self) -> str:
        return "ok"

    @strawberry.field
    def repeat(self, text: str, times: int) -> str:
        return text * times

    @strawberry.field
    def leaked_problems(self) -> str:
        raise InputProblems([Problem(("input", "email"), "secret email check")])


SCHEMA = federated_schema(query=Query)


@pytest.fixture
def error_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.ERROR, logger="kit.core.errors")
    return caplog


def kit_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "kit.core.errors"]


async def test_unexpected_error_is_masked_with_a_logged_correlation_id(
    error_log: pytest.LogCaptureFixture,
) -> None:
    result = await SCHEMA.execute("{ boom }")
    assert result.data is None
    assert result.errors is not None
    [error] = result.errors
    assert "secret" not in error.message
    assert "RuntimeError" not in error.message
    assert error.extensions is not None
    assert error.extensions["code"] == INTERNAL_ERROR_CODE == "INTERNAL_SERVER_ERROR"
    correlation_id = error.extensions["correlationId"]
    assert len(correlation_id) == 26  # a ULID
    assert correlation_id in error.message
    assert error.path == ["boom"]

    [record] = kit_records(error_log)
    assert record.levelno == logging.ERROR
    assert correlation_id in record.getMessage()
    assert "boom" in record.getMessage()
    # The detail is in the log (with the stack trace), not in the response.
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)
    assert str(record.exc_info[1]) == "secret detail"
    assert "secret" not in str(result.errors[0].formatted)


async def test_each_masked_error_gets_its_own_correlation_id(error_log: pytest.LogCaptureFixture) -> None:
    result = await SCHEMA.execute("{ inner { fails } asyncBoom fine }")
    assert result.data is not None
    assert result.data["inner"] is None  # the nullable parent absorbs the error
    assert result.data["asyncBoom"] is None
    assert result.data["fine"] == "ok"
    assert result.errors is not None
    assert len(result.errors) == 2
    ids = set()
    for error in result.errors:
        assert "secret" not in error.message
        assert "hunter2" not in error.message
        assert error.extensions is not None
        assert error.extensions["code"] == INTERNAL_ERROR_CODE
        ids.add(error.extensions["correlationId"])
    assert len(ids) == 2
    logged = " ".join(r.getMessage() for r in kit_records(error_log))
    for correlation_id in ids:
        assert correlation_id in logged
    assert "inner.fails" in logged


async def test_input_problems_escaping_a_resolver_are_masked(error_log: pytest.LogCaptureFixture) -> None:
    # Mutations must turn InputProblems into userErrors; one that escapes is a programming error.
    result = await SCHEMA.execute("{ leakedProblems }")
    assert result.errors is not None
    assert "secret" not in result.errors[0].message
    assert result.errors[0].extensions is not None
    assert result.errors[0].extensions["code"] == INTERNAL_ERROR_CODE


@pytest.mark.parametrize(
    ("field", "message", "code"), [("nope", "nope", "FORBIDDEN"), ("who", "sign in first", "UNAUTHENTICATED")]
)
async def test_public_error_keeps_its_message_and_code(
    field: str, message: str, code: str, error_log: pytest.LogCaptureFixture
) -> None:
    result = await SCHEMA.execute(f"{{ {field} }}")
    assert result.errors is not None
    [error] = result.errors
    assert error.message == message
    assert error.extensions == {"code": code}
    assert error.path == [field]
    assert kit_records(error_log) == []


async def test_validation_error_is_kept_verbatim(error_log: pytest.LogCaptureFixture) -> None:
    result = await SCHEMA.execute("{ unknownField }")
    assert result.data is None
    assert result.errors is not None
    [error] = result.errors
    assert error.message == "Cannot query field 'unknownField' on type 'Query'."
    assert error.extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert kit_records(error_log) == []


async def test_syntax_error_is_kept_verbatim(error_log: pytest.LogCaptureFixture) -> None:
    result = await SCHEMA.execute("{ fine ")
    assert result.errors is not None
    assert result.errors[0].message.startswith("Syntax Error")
    assert result.errors[0].extensions == {"code": "GRAPHQL_PARSE_FAILED"}
    assert kit_records(error_log) == []


def test_public_error_carries_extensions() -> None:
    error = PublicError("no", "FORBIDDEN")
    assert str(error) == "no"
    assert error.code == "FORBIDDEN"
    assert error.extensions == {"code": "FORBIDDEN"}


def test_input_problems() -> None:
    problems = InputProblems([Problem(("input", "email"), "taken", "TAKEN"), Problem(("input",), "bad")])
    assert str(problems) == "taken; bad"
    assert problems.problems[1].code == "INVALID"
    single = InputProblems.single(["input", "name"], "empty")
    assert single.problems == [Problem(("input", "name"), "empty", "INVALID")]


async def test_variable_coercion_error_is_bad_user_input(error_log: pytest.LogCaptureFixture) -> None:
    document = 'query($n: Int!) { repeat(text: "a", times: $n) }'
    result = await SCHEMA.execute(document, variable_values={"n": "not a number"})
    assert result.errors is not None
    [error] = result.errors
    assert error.message.startswith("Variable '$n' has invalid value")
    assert error.extensions == {"code": "BAD_USER_INPUT"}
    assert kit_records(error_log) == []
    result = await SCHEMA.execute(document, variable_values={"n": 2})
    assert result.errors is None
    assert result.data == {"repeat": "aa"}


@pytest.mark.parametrize(
    "document",
    [
        "query($n: Int!) { fine }",  # Variable '$n' is never used.
        "{ repeat(text: $t, times: 1) }",  # Variable '$t' is not defined.
        "query($t: String) { repeat(text: $t, times: 1) }",  # Variable '$t' of type ... position ...
    ],
)
async def test_variable_validation_errors_are_validation_failures_not_bad_input(document: str) -> None:
    """Validation rules about variables (unused, undefined, wrong position) reject the document
    itself, before any value is looked at: Apollo's code for them is GRAPHQL_VALIDATION_FAILED.
    BAD_USER_INPUT is for a variable value that cannot be coerced."""
    result = await SCHEMA.execute(document, variable_values={"n": 1, "t": "a"})
    assert result.errors is not None
    [error] = result.errors
    assert error.message.startswith("Variable '$")
    assert error.extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}, error.message


async def test_public_error_code_is_not_overwritten_by_a_standard_code() -> None:
    result = await SCHEMA.execute("{ nope unknownField }")
    assert result.errors is not None
    # Validation fails first: nothing executes, so only the validation error is reported.
    assert [e.extensions for e in result.errors] == [{"code": "GRAPHQL_VALIDATION_FAILED"}]
    result = await SCHEMA.execute("{ nope }")
    assert result.errors is not None
    assert [e.extensions for e in result.errors] == [{"code": "FORBIDDEN"}]


async def test_a_refused_variable_is_logged_by_its_code_without_its_value(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    document = 'query($n: Int!) { repeat(text: "a", times: $n) }'
    result = await SCHEMA.execute(document, variable_values={"n": "secret-holding-42"})
    assert result.errors is not None
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert "secret-holding-42" not in caplog.text
    assert [r.getMessage() for r in caplog.records if r.name == "kit.refusals"] == [
        "refused BAD_USER_INPUT at "
    ]


async def test_an_unexpected_error_is_still_logged_in_full(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    await SCHEMA.execute("{ boom }")
    assert any(r.levelno == logging.ERROR and r.exc_info for r in caplog.records if r.name != "kit.refusals")
