"""Creation keys and cursors of the customer list."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from customers.domain.paging import (
    PageRequest,
    creation_key,
    cursor_of,
    customer_id_of,
    decode_cursor,
    page_request,
)
from kit.core.errors import PublicError
from kit.core.paging import encode_cursor

ID = "01HZZZZZZZZZZZZZZZZZZZZZZA"
UUID_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"  # a self-registered customer (Cognito sub)


def test_creation_keys_sort_as_text_in_time_order():
    on_the_second = datetime(2024, 1, 1, 0, 0, 0, tzinfo=UTC)
    later = on_the_second + timedelta(microseconds=5)
    paris = datetime(2024, 1, 1, 1, 0, 0, 1, tzinfo=timezone(timedelta(hours=1)))  # 00:00:00.000001 UTC
    keys = [creation_key(t, ID) for t in (later, paris, on_the_second)]
    assert creation_key(on_the_second, ID) == f"2024-01-01T00:00:00.000000Z#{ID}"  # width fixed
    assert sorted(keys) == [keys[2], keys[1], keys[0]]
    assert customer_id_of(keys[0]) == ID


@pytest.mark.parametrize("customer_id", [ID, UUID_ID])
def test_a_cursor_names_a_ulid_or_a_uuid_customer(customer_id):
    key = creation_key(datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC), customer_id)
    assert decode_cursor(encode_cursor(key)) == key
    assert customer_id_of(key) == customer_id


def test_a_cursor_round_trips_and_is_url_safe():
    key = creation_key(datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC), ID)
    cursor = encode_cursor(key)
    assert cursor.isascii()
    assert not set(cursor) & set("+/=")
    assert decode_cursor(cursor) == key
    assert cursor_of(datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC), ID) == cursor
    assert page_request(3, cursor) == PageRequest(first=3, after=key)
    assert page_request(100, None) == PageRequest(first=100, after=None)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "%%%",
        "bm90IGEga2V5",  # "not a key"
        encode_cursor(f"2024-13-01T00:00:00.000000Z#{ID}"),  # month 13
        encode_cursor("2024-01-01T00:00:00.000000Z#not-an-id-at-all-xxxxxxxxx"),
        encode_cursor(f"2024-01-01T00:00:00Z#{ID}"),  # not the fixed width
        encode_cursor(f"2024-01-01T00:00:00.000000Z#{UUID_ID.upper()}"),  # not the canonical UUID
        encode_cursor(f"2024-01-01T00:00:00.000000Z#{ID.lower()}"),  # not the canonical ULID
        encode_cursor(f"2024-01-01T00:00:00.000000Z#{ID}") + "=",  # not canonical
        "\u00e9" + encode_cursor(f"2024-01-01T00:00:00.000000Z#{ID}"),
    ],
)
def test_a_cursor_we_did_not_make_is_bad_user_input(cursor):
    with pytest.raises(PublicError) as raised:
        page_request(3, cursor)
    assert raised.value.extensions == {"code": "BAD_USER_INPUT"}


@pytest.mark.parametrize("first", [0, -1, 101])
def test_first_is_between_1_and_100(first):
    with pytest.raises(PublicError) as raised:
        page_request(first, None)
    assert raised.value.code == "BAD_USER_INPUT"
    assert "between 1 and 100" in str(raised.value)
