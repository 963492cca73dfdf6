"""A service that dies the moment its write commits (test-only: run as a script by test_e2e_events).

It runs one use case of a service's own package (the customers or portfolios service, as its app
builds it) against a running stack's DynamoDB Local table, with the DynamoDB client's
transact_write_items wrapped: as soon as a transaction RETURNS (DynamoDB has committed it), the
process SIGKILLs itself, before the use case returns, logs, answers or publishes anything. Whatever
happens to the event from there is the table stream's doing.

    python crash_after_commit.py <dynamodb_url> <table> register-customer <customer_id> <email>
    python crash_after_commit.py <dynamodb_url> <table> record-buy <portfolio_id> <symbol> <trade_date>

Exit status: killed by SIGKILL after a commit; 3 when the use case returned without committing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import date
from decimal import Decimal
from typing import Any

from kit.aws.clients import aws_client
from kit.core.principal import Principal

REGION = "us-east-1"
STAFF = Principal.of("crash-after-commit", ["admin"])


def die_after_commit(client: Any) -> None:
    """transact_write_items of this client SIGKILLs the process right after a successful return."""
    commit = client.transact_write_items

    async def commit_then_die(**request: Any) -> Any:
        await commit(**request)
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable: the process is gone")

    client.transact_write_items = commit_then_die


async def register_customer(client: Any, table: str, customer_id: str, email: str) -> None:
    from customers.adapters.repository import DynamoCustomerRepository
    from customers.domain.commands import RegisterCustomer
    from customers.services import CustomerService

    service = CustomerService(DynamoCustomerRepository(client, table), new_id=lambda: customer_id)
    await service.customers.register(STAFF, RegisterCustomer(email=email, name="Crash After Commit"))


async def record_buy(client: Any, table: str, portfolio_id: str, symbol: str, trade_date: str) -> None:
    from portfolios.adapters.repository import (
        DynamoCustomerDirectory,
        DynamoFxReferenceRates,
        DynamoPortfolioRepository,
    )
    from portfolios.domain.commands import ActivityRequest, MoneyRequest
    from portfolios.domain.model import ActivityType
    from portfolios.services import PortfolioService

    repository = DynamoPortfolioRepository(client, table)
    service = PortfolioService(
        repository, DynamoCustomerDirectory(client, table), DynamoFxReferenceRates(client, table)
    )
    request = ActivityRequest(
        portfolio_id=portfolio_id,
        type=ActivityType.BUY,
        occurred_at=date.fromisoformat(trade_date),
        symbol=symbol,
        quantity=Decimal("3"),
        price=MoneyRequest(Decimal("100.00"), "USD"),
    )
    await service.ledger.record_activity(STAFF, request)


async def main(endpoint: str, table: str, action: str, *args: str) -> int:
    async with aws_client("dynamodb", region=REGION, endpoint_url=endpoint) as client:
        die_after_commit(client)
        if action == "register-customer":
            await register_customer(client, table, *args)
        elif action == "record-buy":
            await record_buy(client, table, *args)
        else:
            raise SystemExit(f"unknown action {action!r}")
    return 3  # the use case returned: nothing was committed


if __name__ == "__main__":
    sys.exit(asyncio.run(main(*sys.argv[1:])))
