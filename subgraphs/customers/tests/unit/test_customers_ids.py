"""Customer ids: a ULID (generated for customers staff register) or a canonical lower-case UUID (the
token subject of a customer who registered itself, e.g. Cognito's)."""

import uuid

import pytest
from customers.domain.validation import check_customer_id
from hypothesis import given
from hypothesis import strategies as st
from kit.core.errors import InputProblems
from kit.core.ids import is_customer_id
from ulid import ULID


@given(st.binary(min_size=16, max_size=16))
def test_every_ulid_is_a_customer_id(raw):
    assert is_customer_id(str(ULID.from_bytes(raw)))


@given(st.uuids())
def test_every_lower_case_uuid_is_a_customer_id(value):
    assert is_customer_id(str(value))


@pytest.mark.parametrize(
    "value",
    [
        "",
        "alice",
        "operator-1",
        "01hzzzzzzzzzzzzzzzzzzzzzzz",  # a ULID in lower case: not how we store it
        "81HZZZZZZZZZZZZZZZZZZZZZZZ",  # first character above 7: more than 128 bits
        "01HZZZZZZZZZZZZZZZZZZZZZZ",  # 25 characters
        "01HZZZZZZZZZZZZZZZZZZZZZZZI",  # 27, and I is not Crockford base32
        "01HZZZZZZZZZZZZZZZZZZZZZZU",  # U is not Crockford base32
        "3F2504E0-4F89-41D3-9A0C-0305E82C3301",  # upper case
        "3f2504e04f8941d39a0c0305e82c3301",  # no hyphens
        "{3f2504e0-4f89-41d3-9a0c-0305e82c3301}",
        "urn:uuid:3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        "3f2504e0-4f89-41d3-9a0c-0305e82c3301\n",
        "01HZZZZZZZZZZZZZZZZZZZZZZZ#x",
        "x" * 3000,
    ],
)
def test_anything_else_is_not(value):
    assert not is_customer_id(value)
    with pytest.raises(InputProblems) as raised:
        check_customer_id(value, ("input", "id"))
    [problem] = raised.value.problems
    assert (problem.field, problem.code) == (("input", "id"), "INVALID")


def test_a_valid_id_comes_back_unchanged():
    value = str(uuid.uuid4())
    assert check_customer_id(value, ("input", "id")) == value
