"""kit.core.ids: the id forms every service accepts."""

import pytest
from kit.core.ids import is_customer_id, is_ulid

CUSTOMER = "01HZX3Q4W5E6R7T8Y9Z0ABCDEF"
COGNITO_SUB = "3f1c9e7a-5b2d-4c8e-9a1f-0e2d4b6c8a90"  # a customer who registered itself


def test_is_ulid():
    assert is_ulid(CUSTOMER)
    assert not is_ulid(CUSTOMER.lower())
    assert not is_ulid(CUSTOMER[:-1])
    assert not is_ulid("81HZX3Q4W5E6R7T8Y9Z0PQRSTV")  # first character above 7 overflows 128 bits
    assert not is_ulid("01HZX3Q4W5E6R7T8Y9U0PQRSTV")  # U is not in Crockford's base32
    assert not is_ulid(COGNITO_SUB)  # portfolio, lot and activity ids stay ULIDs


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (CUSTOMER, True),
        (COGNITO_SUB, True),
        ("00000000-0000-0000-0000-000000000000", True),
        (COGNITO_SUB.upper(), False),  # canonical is lower-case
        (COGNITO_SUB.replace("-", ""), False),
        (f"{{{COGNITO_SUB}}}", False),
        (f"urn:uuid:{COGNITO_SUB}", False),
        (f" {COGNITO_SUB}", False),
        (COGNITO_SUB[:-1], False),
        (COGNITO_SUB[:-1] + "g", False),
        (CUSTOMER.lower(), False),
        ("", False),
    ],
)
def test_is_customer_id(value, valid):
    assert is_customer_id(value) is valid
