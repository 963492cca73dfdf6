"""Domain objects to DynamoDB items and back (see `table` for the layout).

Decimals are stored as text (`str(value)`), never as DynamoDB numbers or floats: a number attribute
loses its scale ("150.00" comes back as "150"), and what a client recorded reads back exactly as
sent. Text is parsed back by `kit.core.money.parse_decimal` with the stored bounds.

An activity is one compact JSON string attribute (`a`): reading 10,000 of them is one paginated
Query and a JSON parse each, not a hundred thousand typed attributes. The projection (`Holdings`,
`History`) is JSON, zlib-compressed, split into Binary chunks of at most `CHUNK_BYTES`; so is the
journal (every activity of the portfolio at META's version, the same JSON as the activity items),
which a ledger read takes instead of the activity items: 10,000 activities are about 100-250 KB.
"""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from kit.core.money import STORED_DECIMAL, Amount, parse_decimal

from portfolios.domain.model import (
    ONE,
    Activity,
    ActivityType,
    AuditAction,
    AuditEntry,
    CostBasisMethod,
    History,
    Holdings,
    IncomeLine,
    Lot,
    LotPick,
    MovedLot,
    Portfolio,
    PortfolioKind,
    PortfolioStatus,
    SaleResult,
    SaleRow,
    SplitRatio,
    TransferResult,
)
from portfolios.domain.ports import IdempotencyRecord, Owner

META = "META"
PORTFOLIO_TYPE = "Portfolio"
IDEMPOTENCY_TYPE = "Idempotency"
DIRECTORY_TYPE = "CustomerDirectoryEntry"
REF_TYPE = "Ref"

ACTIVITY_PREFIX = "ACTIVITY#"
AUDIT_PREFIX = "AUDIT#"
HOLDINGS_PREFIX = "HOLDINGS#"
HISTORY_PREFIX = "HISTORY#"
JOURNAL_PREFIX = "JOURNAL#"
IDEMPOTENCY_PREFIX = "IDEMPOTENCY#"
REF_SK = "REF"
# "$" sorts right after "#": `sk BETWEEN X# AND X$` is every item of kind X under a portfolio.
ACTIVITY_END = "ACTIVITY$"
AUDIT_END = "AUDIT$"

# META's attributes that describe the stored projection.
VERSION = "version"
HOLDINGS_CHUNKS = "holdingsChunks"
HISTORY_CHUNKS = "historyChunks"
# How many JOURNAL# chunk items exist (whatever their version), and the version whose journal they
# are: a META whose `journalVersion` is not its `version` has no journal (reads take the items).
JOURNAL_CHUNKS = "journalChunks"
JOURNAL_VERSION = "journalVersion"
MIGRATED_AT = "migratedAt"

# The attribute holding an activity's or an audit entry's JSON, and a chunk's bytes.
DATA = "a"
CHUNK = "z"

# A chunk of a compressed projection: well under DynamoDB's 400 KB item limit, keys included.
CHUNK_BYTES = 350 * 1024

HOLDINGS_PART = "holdings"
HISTORY_PART = "history"
JOURNAL_PART = "journal"
PART_PREFIX = {HOLDINGS_PART: HOLDINGS_PREFIX, HISTORY_PART: HISTORY_PREFIX, JOURNAL_PART: JOURNAL_PREFIX}
PART_COUNT = {HOLDINGS_PART: HOLDINGS_CHUNKS, HISTORY_PART: HISTORY_CHUNKS, JOURNAL_PART: JOURNAL_CHUNKS}


# --- keys ---------------------------------------------------------------------------------------


def portfolio_pk(portfolio_id: str) -> str:
    return f"PORTFOLIO#{portfolio_id}"


def customer_pk(customer_id: str) -> str:
    return f"CUSTOMER#{customer_id}"


def ref_pk(id_: str) -> str:
    return f"REF#{id_}"


def activity_sk(occurred_on: date, activity_id: str) -> str:
    """Trade date, then the ULID (recording order): the ledger order, read backwards for paging."""
    return f"{ACTIVITY_PREFIX}{occurred_on.isoformat()}#{activity_id}"


def audit_sk(entry_id: str) -> str:
    return f"{AUDIT_PREFIX}{entry_id}"


def chunk_sk(part: str, index: int) -> str:
    return f"{PART_PREFIX[part]}{index}"


def portfolio_key(portfolio_id: str) -> dict[str, str]:
    return {"pk": portfolio_pk(portfolio_id), "sk": META}


def activity_key(portfolio_id: str, occurred_on: date, activity_id: str) -> dict[str, str]:
    return {"pk": portfolio_pk(portfolio_id), "sk": activity_sk(occurred_on, activity_id)}


def audit_key(portfolio_id: str, entry_id: str) -> dict[str, str]:
    return {"pk": portfolio_pk(portfolio_id), "sk": audit_sk(entry_id)}


def chunk_key(portfolio_id: str, part: str, index: int) -> dict[str, str]:
    return {"pk": portfolio_pk(portfolio_id), "sk": chunk_sk(part, index)}


def idempotency_key(portfolio_id: str, key: str) -> dict[str, str]:
    return {"pk": portfolio_pk(portfolio_id), "sk": f"{IDEMPOTENCY_PREFIX}{key}"}


def ref_key(id_: str) -> dict[str, str]:
    return {"pk": ref_pk(id_), "sk": REF_SK}


def directory_key(customer_id: str) -> dict[str, str]:
    return {"pk": customer_pk(customer_id), "sk": "DIRECTORY"}


def is_ledger_activity(item: Mapping[str, Any]) -> bool:
    """An activity of the ledger (not an item of the layout before it, which has no `a`)."""
    return str(item.get("sk", "")).startswith(ACTIVITY_PREFIX) and DATA in item


# --- scalars ------------------------------------------------------------------------------------


def _text(value: Decimal) -> str:
    # str() keeps value and scale exactly ("150.00", "0E-8"); parse_decimal reads it back.
    return str(value)


def _number(value: Any) -> Decimal:
    # Bounded like every Decimal made from text (kit.core.money): a broken or tampered item cannot
    # make this service compute with 1E-999999999.
    if type(value) is str:
        return _stored_number(value)
    return parse_decimal(value, STORED_DECIMAL)


# Books repeat the same quantities, prices and amounts across reads and requests: each distinct
# text is parsed (and bounded) once per process, while it is in use. Decimals are immutable.
@functools.lru_cache(maxsize=1 << 16)
def _stored_number(text: str) -> Decimal:
    return parse_decimal(text, STORED_DECIMAL)


def _amount(value: Amount | None) -> list[str] | None:
    return None if value is None else [_text(value.value), value.currency_code]


def _amount_from(value: Sequence[str] | None) -> Amount | None:
    return None if value is None else Amount(_number(value[0]), value[1])


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None and value != []}


# --- activities ---------------------------------------------------------------------------------


def _moved(lot: MovedLot) -> list[str]:
    return [lot.lot_id, lot.source_lot_id, lot.acquired_on.isoformat(), _text(lot.quantity), _text(lot.cost)]


class _Parser:
    """Parses stored text for one read. Numbers are memoized process-wide by `_number` (an LRU);
    dates, repeated thousands of times in a ledger, once per read. Decimal and date are immutable,
    so sharing one parsed value is safe."""

    __slots__ = ("_days",)

    def __init__(self) -> None:
        self._days: dict[str, date] = {}

    @staticmethod
    def number(text: Any) -> Decimal:
        return _number(text)

    def day(self, text: str) -> date:
        value = self._days.get(text)
        if value is None:
            value = self._days[text] = date.fromisoformat(text)
        return value

    def amount(self, value: Sequence[str] | None) -> Amount | None:
        return None if value is None else Amount(self.number(value[0]), value[1])


_ACTIVITY_TYPES = {kind.value: kind for kind in ActivityType}


def _moved_from(raw: Sequence[str], parser: _Parser | None = None) -> MovedLot:
    parse = parser or _Parser()
    return MovedLot(
        lot_id=raw[0],
        source_lot_id=raw[1],
        acquired_on=parse.day(raw[2]),
        quantity=parse.number(raw[3]),
        cost=parse.number(raw[4]),
    )


def activity_data(activity: Activity) -> dict[str, Any]:
    # fx_rate defaults to exactly Decimal(1); any other text ("1.0") is kept as written.
    fx = None if str(activity.fx_rate) == "1" else _text(activity.fx_rate)
    return _compact(
        {
            "id": activity.id,
            "p": activity.portfolio_id,
            "t": activity.type.value,
            "d": activity.occurred_on.isoformat(),
            "r": activity.recorded_at.isoformat(),
            "s": activity.symbol,
            "q": _text(activity.quantity) if activity.quantity is not None else None,
            "pr": _amount(activity.price),
            "am": _amount(activity.amount),
            "f": _amount(activity.fees),
            "fx": fx,
            "sp": [_text(activity.split.from_), _text(activity.split.to)] if activity.split else None,
            "cp": activity.counterpart_portfolio_id,
            "ca": activity.counterpart_activity_id,
            "pk": [[pick.lot_id, _text(pick.quantity)] for pick in activity.picks],
            "mv": [_moved(lot) for lot in activity.moved],
            "n": activity.note,
        }
    )


def activity_from_data(
    data: Mapping[str, Any], portfolio_id: str | None = None, parser: _Parser | None = None
) -> Activity:
    """An activity from its JSON; `portfolio_id` when the JSON leaves it out (an activity item's
    JSON does: its key names the portfolio). One `parser` for many activities parses repeated
    values once."""
    owner = data.get("p", portfolio_id)
    if owner is None:
        raise ValueError("an activity's JSON must name its portfolio")
    parse = parser or _Parser()
    get = data.get
    quantity = get("q")
    split = get("sp")
    fx = get("fx")
    picks = get("pk")
    moved = get("mv")
    kind = data["t"]
    return Activity(
        id=data["id"],
        portfolio_id=owner,
        type=_ACTIVITY_TYPES.get(kind) or ActivityType(kind),
        occurred_on=parse.day(data["d"]),
        recorded_at=datetime.fromisoformat(data["r"]),
        symbol=get("s"),
        quantity=parse.number(quantity) if quantity is not None else None,
        price=parse.amount(get("pr")),
        amount=parse.amount(get("am")),
        fees=parse.amount(get("f")),
        fx_rate=parse.number(fx) if fx is not None else ONE,
        split=SplitRatio(parse.number(split[0]), parse.number(split[1])) if split else None,
        counterpart_portfolio_id=get("cp"),
        counterpart_activity_id=get("ca"),
        picks=tuple(LotPick(lot_id, parse.number(q)) for lot_id, q in picks) if picks else (),
        moved=tuple(_moved_from(raw, parse) for raw in moved) if moved else (),
        note=get("n"),
    )


def journal_line(activity: Activity, portfolio_id: str) -> bytes:
    """One activity of a journal: the JSON its item stores (its portfolio is the journal's)."""
    if activity.portfolio_id != portfolio_id:
        raise ValueError(f"activity {activity.id} is not of portfolio {portfolio_id}")
    data = activity_data(activity)
    del data["p"]
    return _dumps(data).encode()


def pack_journal(lines: Sequence[bytes]) -> list[bytes]:
    """The journal is JSON lines (one activity a line, so that a write can reuse the lines of the
    activities it read unchanged), compressed and chunked like the projection; an empty ledger
    needs no chunk (a journal of 0 chunks at META's version is an empty one)."""
    if not lines:
        return []
    blob = zlib.compress(b"\n".join(lines), 6)
    return [blob[i : i + CHUNK_BYTES] for i in range(0, len(blob), CHUNK_BYTES)]


def journal_lines(chunks: Sequence[bytes]) -> list[bytes]:
    return zlib.decompress(b"".join(chunks)).split(b"\n") if chunks else []


def journal_activities(lines: Sequence[bytes], portfolio_id: str) -> list[Activity]:
    parser = _Parser()
    return [activity_from_data(json.loads(line), portfolio_id, parser) for line in lines]


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def activity_item(activity: Activity) -> dict[str, Any]:
    """One ledger entry under its portfolio (not in gsi1: the book must not grow with history)."""
    data = activity_data(activity)
    del data["p"]  # in the key already
    return {**activity_key(activity.portfolio_id, activity.occurred_on, activity.id), DATA: _dumps(data)}


def activity_from(item: Mapping[str, Any]) -> Activity:
    return activity_from_data(json.loads(item[DATA]), str(item["pk"]).removeprefix("PORTFOLIO#"))


def lot_ids_of(activity: Activity) -> list[str]:
    """The lots an activity brings into its portfolio under ids of their own (a TRANSFER_IN's)."""
    if activity.type is not ActivityType.TRANSFER_IN:
        return []
    return [lot.lot_id for lot in activity.moved if lot.lot_id and lot.lot_id != activity.id]


def ref_item(id_: str, portfolio: Portfolio, occurred_on: date | None = None) -> dict[str, Any]:
    """Which portfolio (and customer) an activity or lot id belongs to; an activity's trade date
    too, which is part of its sort key."""
    return {
        **ref_key(id_),
        "type": REF_TYPE,
        "portfolioId": portfolio.id,
        "customerId": portfolio.customer_id,
        "occurredOn": occurred_on.isoformat() if occurred_on else None,
    }


def owner_from(item: Mapping[str, Any]) -> Owner:
    return Owner(
        id=str(item["pk"]).removeprefix("REF#"),
        portfolio_id=item["portfolioId"],
        customer_id=item["customerId"],
    )


# --- the projection -----------------------------------------------------------------------------


def _lot(lot: Lot, portfolio_id: str, base_currency: str) -> dict[str, Any]:
    return _compact(
        {
            "id": lot.id,
            "p": lot.portfolio_id if lot.portfolio_id != portfolio_id else None,
            "a": lot.activity_id if lot.activity_id != lot.id else None,
            "s": lot.symbol,
            "d": lot.acquired_on.isoformat(),
            "q": _text(lot.quantity),
            "pr": _amount(lot.unit_price),
            "f": _amount(lot.fees),
            "fx": _text(lot.fx_rate) if lot.fx_rate is not None else None,
            "c": _text(lot.cost),
            "rq": _text(lot.remaining_quantity),
            "rc": _text(lot.remaining_cost),
            "b": lot.base_currency if lot.base_currency != base_currency else None,
            "r": lot.created_at.isoformat(),
        }
    )


def _lot_from(data: Mapping[str, Any], portfolio_id: str, base_currency: str, parse: _Parser) -> Lot:
    fx = data.get("fx")
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
    )


def holdings_data(holdings: Holdings) -> dict[str, Any]:
    pid, currency = holdings.portfolio_id, holdings.base_currency
    return {
        "p": pid,
        "b": currency,
        "lots": [_lot(lot, pid, currency) for lot in holdings.open_lots],
        "cash": _text(holdings.cash),
        "realized": {symbol: _text(gain) for symbol, gain in holdings.realized.items()},
        "n": holdings.activity_count,
        "v": holdings.version,
    }


def holdings_from_data(data: Mapping[str, Any]) -> Holdings:
    pid, currency = data["p"], data["b"]
    parse = _Parser()
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
        "q": _text(sale.quantity),
        "pr": _text(sale.proceeds),
        "c": _text(sale.cost),
        "xc": _text(sale.exact_cost),
        # A row repeats its sale's id, symbol and date only when they differ (they never do today).
        "rows": [
            [
                row.lot_id,
                row.acquired_on.isoformat(),
                _text(row.quantity),
                _text(row.proceeds),
                _text(row.cost),
                *(
                    [row.sale_id, row.symbol, row.sold_on.isoformat()]
                    if (row.sale_id, row.symbol, row.sold_on) != (sale.sale_id, sale.symbol, sale.sold_on)
                    else []
                ),
            ]
            for row in sale.rows
        ],
    }


def _sale_from(data: Mapping[str, Any], parse: _Parser) -> SaleResult:
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
                "mv": [_moved(m) for m in t.moved],
            }
            for t in history.transfers
        ],
        "income": [
            [line.activity_id, line.type.value, line.received_on.isoformat(), _text(line.amount)]
            for line in history.income
        ],
    }


def history_from_data(data: Mapping[str, Any]) -> History:
    pid, currency = data["p"], data["b"]
    parse = _Parser()
    return History(
        closed_lots=tuple(_lot_from(lot, pid, currency, parse) for lot in data["closed"]),
        sales=tuple(_sale_from(sale, parse) for sale in data["sales"]),
        transfers=tuple(
            TransferResult(
                transfer_id=t["id"],
                symbol=t["s"],
                moved_on=parse.day(t["d"]),
                moved=tuple(_moved_from(m, parse) for m in t["mv"]),
            )
            for t in data["transfers"]
        ),
        income=tuple(
            IncomeLine(activity_id, _ACTIVITY_TYPES[kind], parse.day(on), parse.number(amount))
            for activity_id, kind, on, amount in data["income"]
        ),
    )


def pack(data: Any) -> list[bytes]:
    """JSON, compressed, cut into chunks of at most CHUNK_BYTES; nothing at all for `None`."""
    if data is None:
        return []
    blob = zlib.compress(_dumps(data).encode(), 6)
    return [blob[i : i + CHUNK_BYTES] for i in range(0, len(blob), CHUNK_BYTES)]


def unpack(chunks: Sequence[bytes]) -> Any:
    return json.loads(zlib.decompress(b"".join(chunks)))


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


def chunk_item(
    portfolio: Portfolio, part: str, index: int, count: int, version: int, blob: bytes
) -> dict[str, Any]:
    """One chunk of a projection part at `version`. Holdings chunks are in gsi1 beside META, so one
    Query per customer returns every portfolio with its holdings; history chunks are not."""
    item: dict[str, Any] = {
        **chunk_key(portfolio.id, part, index),
        "type": part,
        "portfolioId": portfolio.id,
        VERSION: version,
        "index": index,
        "count": count,
        CHUNK: blob,
    }
    if part == HOLDINGS_PART:
        item["gsi1pk"] = customer_pk(portfolio.customer_id)
        item["gsi1sk"] = f"{portfolio_pk(portfolio.id)}#{chunk_sk(part, index)}"
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


# --- the portfolio ------------------------------------------------------------------------------


def portfolio_attributes(portfolio: Portfolio) -> dict[str, Any]:
    return {
        "type": PORTFOLIO_TYPE,
        "gsi1pk": customer_pk(portfolio.customer_id),
        "gsi1sk": f"{portfolio_pk(portfolio.id)}#{META}",
        "id": portfolio.id,
        "customerId": portfolio.customer_id,
        "name": portfolio.name,
        "kind": portfolio.kind.value,
        "baseCurrency": portfolio.base_currency,
        "costBasisMethod": portfolio.cost_basis_method.value,
        "createdAt": portfolio.created_at.isoformat(),
        "status": portfolio.status.value,
        "closedAt": portfolio.closed_at.isoformat() if portfolio.closed_at else None,
    }


def portfolio_item(portfolio: Portfolio) -> dict[str, Any]:
    """A new portfolio: its projection and its journal at version 0, empty (no chunks)."""
    return {
        **portfolio_key(portfolio.id),
        **portfolio_attributes(portfolio),
        VERSION: 0,
        HOLDINGS_CHUNKS: 0,
        HISTORY_CHUNKS: 0,
        JOURNAL_CHUNKS: 0,
        JOURNAL_VERSION: 0,
    }


def portfolio_from(item: Mapping[str, Any]) -> Portfolio:
    return Portfolio(
        id=item["id"],
        customer_id=item["customerId"],
        name=item["name"],
        kind=PortfolioKind(item["kind"]),
        base_currency=item["baseCurrency"],
        cost_basis_method=CostBasisMethod(item["costBasisMethod"]),
        created_at=datetime.fromisoformat(item["createdAt"]),
        status=PortfolioStatus(item.get("status", PortfolioStatus.OPEN.value)),
        closed_at=datetime.fromisoformat(item["closedAt"]) if item.get("closedAt") else None,
    )


def version_of(meta: Mapping[str, Any]) -> int:
    """The projection's version; a portfolio stored before the ledger has none: 0."""
    return int(meta.get(VERSION, 0))


def chunk_count(meta: Mapping[str, Any], part: str) -> int:
    return int(meta.get(PART_COUNT[part], 0))


def has_journal(meta: Mapping[str, Any]) -> bool:
    """Whether META's version has a journal (a portfolio written before the journal, or by a change
    that could not carry it, has none: its activities are read from their items)."""
    journal = meta.get(JOURNAL_VERSION)
    return journal is not None and int(journal) == version_of(meta)


# --- audit, idempotency -------------------------------------------------------------------------


def audit_item(entry: AuditEntry) -> dict[str, Any]:
    data = {
        "id": entry.id,
        "p": entry.portfolio_id,
        "ac": entry.action.value,
        "u": entry.actor,
        "at": entry.at.isoformat(),
        "aid": entry.activity_id,
        "b": activity_data(entry.before) if entry.before is not None else None,
        "af": activity_data(entry.after) if entry.after is not None else None,
    }
    return {**audit_key(entry.portfolio_id, entry.id), DATA: _dumps(data)}


def audit_from(item: Mapping[str, Any]) -> AuditEntry:
    data = json.loads(item[DATA])
    return AuditEntry(
        id=data["id"],
        portfolio_id=data["p"],
        action=AuditAction(data["ac"]),
        actor=data["u"],
        at=datetime.fromisoformat(data["at"]),
        activity_id=data["aid"],
        before=activity_from_data(data["b"]) if data.get("b") else None,
        after=activity_from_data(data["af"]) if data.get("af") else None,
    )


def idempotency_item(portfolio_id: str, record: IdempotencyRecord, created_at: datetime) -> dict[str, Any]:
    return {
        **idempotency_key(portfolio_id, record.key),
        "type": IDEMPOTENCY_TYPE,
        "key": record.key,
        "activityId": record.activity_id,
        "fingerprint": record.fingerprint,
        "createdAt": created_at.isoformat(),
    }


def idempotency_from(item: Mapping[str, Any]) -> IdempotencyRecord:
    # A record of an addInvestment before the ledger names the lot (`lotId`) and the old BUY entry;
    # the migration makes the lot's id the BUY activity's id, so the lot id is what it recorded.
    return IdempotencyRecord(
        key=item["key"],
        activity_id=item.get("lotId") or item["activityId"],
        fingerprint=item["fingerprint"],
    )
