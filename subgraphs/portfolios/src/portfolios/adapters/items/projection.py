"""The projection as items: `Holdings` and `History` as JSON, zlib-compressed, cut into Binary
chunks of at most `CHUNK_BYTES`, each chunk an item carrying the version it belongs to (the
journal's chunks are items of the same shape)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from portfolios.adapters import table
from portfolios.adapters.items.activities import ACTIVITY_TYPES, moved_data, moved_from
from portfolios.adapters.items.codec import Parser, amount, compact, pack, text
from portfolios.adapters.items.portfolio import VERSION
from portfolios.domain.books import History, IncomeLine, SaleResult, SaleRow, TransferResult
from portfolios.domain.lots import Holdings, Lot
from portfolios.domain.model import FxRateSource, Portfolio

# The attribute holding a chunk's bytes.
CHUNK = "z"


def _lot(lot: Lot, portfolio_id: str, base_currency: str) -> dict[str, Any]:
    return compact(
        {
            "id": lot.id,
            "p": lot.portfolio_id if lot.portfolio_id != portfolio_id else None,
            "a": lot.activity_id if lot.activity_id != lot.id else None,
            "s": lot.symbol,
            "d": lot.acquired_on.isoformat(),
            "q": text(lot.quantity),
            "pr": amount(lot.unit_price),
            "f": amount(lot.fees),
            "fx": text(lot.fx_rate) if lot.fx_rate is not None else None,
            # Only a looked-up rate has a close's date (as on the activity's item).
            "fxd": lot.fx_rate_date.isoformat() if lot.fx_rate_date is not None else None,
            "c": text(lot.cost),
            "rq": text(lot.remaining_quantity),
            "rc": text(lot.remaining_cost),
            "b": lot.base_currency if lot.base_currency != base_currency else None,
            "r": lot.created_at.isoformat(),
        }
    )


def _lot_from(data: Mapping[str, Any], portfolio_id: str, base_currency: str, parse: Parser) -> Lot:
    fx = data.get("fx")
    fx_date = data.get("fxd")
    price = parse.amount(data["pr"])
    assert price is not None
    return Lot(
        id=data["id"],
        portfolio_id=data.get("p", portfolio_id),
        activity_id=data.get("a", data["id"]),
        symbol=data["s"],
        acquired_on=parse.day(data["d"]),
        quantity=parse.number(data["q"]),
        unit_price=price,
        fees=parse.amount(data.get("f")),
        fx_rate=parse.number(fx) if fx is not None else None,
        cost=parse.number(data["c"]),
        remaining_quantity=parse.number(data["rq"]),
        remaining_cost=parse.number(data["rc"]),
        base_currency=data.get("b", base_currency),
        created_at=datetime.fromisoformat(data["r"]),
        fx_rate_source=None if fx is None else (FxRateSource.REFERENCE if fx_date else FxRateSource.GIVEN),
        fx_rate_date=parse.day(fx_date) if fx_date else None,
    )


def holdings_data(holdings: Holdings) -> dict[str, Any]:
    pid, currency = holdings.portfolio_id, holdings.base_currency
    return {
        "p": pid,
        "b": currency,
        "lots": [_lot(lot, pid, currency) for lot in holdings.open_lots],
        "cash": text(holdings.cash),
        "realized": {symbol: text(gain) for symbol, gain in holdings.realized.items()},
        "n": holdings.activity_count,
        "v": holdings.version,
    }


def holdings_from_data(data: Mapping[str, Any]) -> Holdings:
    pid, currency = data["p"], data["b"]
    parse = Parser()
    return Holdings(
        portfolio_id=pid,
        base_currency=currency,
        open_lots=tuple(_lot_from(lot, pid, currency, parse) for lot in data["lots"]),
        cash=parse.number(data["cash"]),
        realized={symbol: parse.number(gain) for symbol, gain in data["realized"].items()},
        activity_count=int(data["n"]),
        version=int(data["v"]),
    )


def _sale(sale: SaleResult) -> dict[str, Any]:
    return {
        "id": sale.sale_id,
        "s": sale.symbol,
        "d": sale.sold_on.isoformat(),
        "q": text(sale.quantity),
        "pr": text(sale.proceeds),
        "c": text(sale.cost),
        "xc": text(sale.exact_cost),
        # A row repeats its sale's id, symbol and date only when they differ (they never do today).
        "rows": [
            [
                row.lot_id,
                row.acquired_on.isoformat(),
                text(row.quantity),
                text(row.proceeds),
                text(row.cost),
                *(
                    [row.sale_id, row.symbol, row.sold_on.isoformat()]
                    if (row.sale_id, row.symbol, row.sold_on) != (sale.sale_id, sale.symbol, sale.sold_on)
                    else []
                ),
            ]
            for row in sale.rows
        ],
    }


def _sale_from(data: Mapping[str, Any], parse: Parser) -> SaleResult:
    sale_id, symbol, sold_on = data["id"], data["s"], parse.day(data["d"])
    rows = []
    for raw in data["rows"]:
        own = (raw[5], raw[6], parse.day(raw[7])) if len(raw) > 5 else (sale_id, symbol, sold_on)
        rows.append(
            SaleRow(
                sale_id=own[0],
                symbol=own[1],
                lot_id=raw[0],
                acquired_on=parse.day(raw[1]),
                sold_on=own[2],
                quantity=parse.number(raw[2]),
                proceeds=parse.number(raw[3]),
                cost=parse.number(raw[4]),
            )
        )
    return SaleResult(
        sale_id=sale_id,
        symbol=symbol,
        sold_on=sold_on,
        quantity=parse.number(data["q"]),
        proceeds=parse.number(data["pr"]),
        cost=parse.number(data["c"]),
        exact_cost=parse.number(data["xc"]),
        rows=tuple(rows),
    )


def history_data(history: History, portfolio_id: str, base_currency: str) -> dict[str, Any]:
    return {
        "p": portfolio_id,
        "b": base_currency,
        "closed": [_lot(lot, portfolio_id, base_currency) for lot in history.closed_lots],
        "sales": [_sale(sale) for sale in history.sales],
        "transfers": [
            {
                "id": t.transfer_id,
                "s": t.symbol,
                "d": t.moved_on.isoformat(),
                "mv": [moved_data(m) for m in t.moved],
            }
            for t in history.transfers
        ],
        "income": [
            [line.activity_id, line.type.value, line.received_on.isoformat(), text(line.amount)]
            for line in history.income
        ],
    }


def history_from_data(data: Mapping[str, Any]) -> History:
    pid, currency = data["p"], data["b"]
    parse = Parser()
    return History(
        closed_lots=tuple(_lot_from(lot, pid, currency, parse) for lot in data["closed"]),
        sales=tuple(_sale_from(sale, parse) for sale in data["sales"]),
        transfers=tuple(
            TransferResult(
                transfer_id=t["id"],
                symbol=t["s"],
                moved_on=parse.day(t["d"]),
                moved=tuple(moved_from(m, parse) for m in t["mv"]),
            )
            for t in data["transfers"]
        ),
        income=tuple(
            IncomeLine(activity_id, ACTIVITY_TYPES[kind], parse.day(on), parse.number(value))
            for activity_id, kind, on, value in data["income"]
        ),
    )


def holdings_chunks(holdings: Holdings) -> list[bytes]:
    """Empty holdings (a new portfolio) need no chunk: readers take no chunk as empty holdings."""
    empty = (
        not holdings.open_lots
        and not holdings.realized
        and holdings.cash == 0
        and holdings.activity_count == 0
    )
    return [] if empty else pack(holdings_data(holdings))


def history_chunks(history: History, portfolio_id: str, base_currency: str) -> list[bytes]:
    if history == History():
        return []
    return pack(history_data(history, portfolio_id, base_currency))


# --- chunk items --------------------------------------------------------------------------------


def chunk_item(
    portfolio: Portfolio, part: str, index: int, count: int, version: int, blob: bytes
) -> dict[str, Any]:
    """One chunk of a projection part at `version`. Holdings chunks are in gsi1 beside META, so one
    Query per customer returns every portfolio with its holdings; history chunks are not."""
    item: dict[str, Any] = {
        **table.chunk_key(portfolio.id, part, index),
        "type": part,
        "portfolioId": portfolio.id,
        VERSION: version,
        "index": index,
        "count": count,
        CHUNK: blob,
    }
    if part == table.HOLDINGS_PART:
        item.update(table.chunk_index_key(portfolio.customer_id, portfolio.id, part, index))
    return item


def chunk_bytes(item: Mapping[str, Any]) -> bytes:
    value = item[CHUNK]
    return bytes(value.value if hasattr(value, "value") else value)  # boto3 Binary or bytes


def assemble(chunk_items: Iterable[Mapping[str, Any]], version: int, count: int) -> list[bytes] | None:
    """The `count` chunks at `version`, in order; None when one is missing or at another version
    (a read that overlapped a write, or a lagging index)."""
    found = {int(item["index"]): item for item in chunk_items if int(item[VERSION]) == version}
    if any(index not in found for index in range(count)):
        return None
    return [chunk_bytes(found[index]) for index in range(count)]
