"""Who may change prices and see valuations (assets.access), without GraphQL."""

from __future__ import annotations

import pytest
from assets.access import check_valuation_reader, require_price_manager
from kit.core.principal import Forbidden, Principal

ALICE = "01JALICE0000000000000000AA"
BOB = "01JB0B00000000000000000000"


def test_the_rules_without_graphql() -> None:
    customer = Principal.of(ALICE, ["customer"])
    operator = Principal.of("op", ["operator"])
    admin = Principal.of("root", ["admin"])
    with pytest.raises(
        Forbidden, match=r"^Only operators and admins may set or clear manual prices and FX rates\.$"
    ):
        require_price_manager(customer)
    require_price_manager(operator)
    require_price_manager(admin)

    check_valuation_reader(customer, "P1", ALICE)
    for owner in (BOB, None, ""):
        with pytest.raises(Forbidden, match=r"^You may not see portfolio P1\.$"):
            check_valuation_reader(customer, "P1", owner)
    for staff in (operator, admin):
        check_valuation_reader(staff, "P1", BOB)
        check_valuation_reader(staff, "P1", None)
