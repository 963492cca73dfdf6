"""Activities as items: one compact JSON string attribute (`a`) per activity, the same JSON as the
lines of the journal, and the REF items that say whose an activity or lot id is.

Reading 10,000 activities is one paginated Query and a JSON parse each, not a hundred thousand
typed attributes. The journal (every activity of the portfolio at META's version) is those JSON
lines, zlib-compressed and chunked like the projection, which a ledger read takes instead of the
activity items: 10,000 activities are about 100-250 KB.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from portfolios.adapters import table
from portfolios.adapters.items.codec import Parser, amount, chunked, compact, dumps, text
from portfolios.domain.model import (
    ONE,
    Activity,
    ActivityType,
    FxRateSource,
    LotPick,
    MovedLot,
    Portfolio,
    SplitRatio,
)
from portfolios.domain.ports import Owner

REF_TYPE = "Ref"

# The attribute holding an activity's or an audit entry's JSON.
DATA = "a"

ACTIVITY_TYPES = {kind.value: kind for kind in ActivityType}


def is_ledger_activity(item: Mapping[str, Any]) -> bool:
    """An activity of the ledger (not an item of the layout before it, which has no `a`)."""
    return str(item.get("sk", "")).startswith(table.ACTIVITY_PREFIX) and DATA in item


def raw_data(raw: Mapping[str, Any]) -> Any:
    """The JSON of an activity or audit item, straight from the wire format (no deserializer: the
    ledger read parses thousands of them)."""
    return json.loads(raw[DATA]["S"])


def moved_data(lot: MovedLot) -> list[str]:
    return [lot.lot_id, lot.source_lot_id, lot.acquired_on.isoformat(), text(lot.quantity), text(lot.cost)]


def moved_from(raw: Sequence[str], parser: Parser | None = None) -> MovedLot:
    parse = parser or Parser()
    return MovedLot(
        lot_id=raw[0],
        source_lot_id=raw[1],
        acquired_on=parse.day(raw[2]),
        quantity=parse.number(raw[3]),
        cost=parse.number(raw[4]),
    )


def activity_data(activity: Activity) -> dict[str, Any]:
    # fx_rate defaults to exactly Decimal(1); any other text ("1.0") is kept as written.
    fx = None if str(activity.fx_rate) == "1" else text(activity.fx_rate)
    return compact(
        {
            "id": activity.id,
            "p": activity.portfolio_id,
            "t": activity.type.value,
            "d": activity.occurred_on.isoformat(),
            "r": activity.recorded_at.isoformat(),
            "s": activity.symbol,
            "q": text(activity.quantity) if activity.quantity is not None else None,
            "pr": amount(activity.price),
            "am": amount(activity.amount),
            "f": amount(activity.fees),
            "fx": fx,
            # Only a looked-up rate has a close's date; its presence says the rate was looked up
            # (an item without it, legacy ones included, holds a given rate).
            "fxd": activity.fx_rate_date.isoformat()
            if activity.fx_rate_source is FxRateSource.REFERENCE and activity.fx_rate_date
            else None,
            "sp": [text(activity.split.from_), text(activity.split.to)] if activity.split else None,
            "cp": activity.counterpart_portfolio_id,
            "ca": activity.counterpart_activity_id,
            "pk": [[pick.lot_id, text(pick.quantity)] for pick in activity.picks],
            "mv": [moved_data(lot) for lot in activity.moved],
            "n": activity.note,
        }
    )


def activity_from_data(
    data: Mapping[str, Any], portfolio_id: str | None = None, parser: Parser | None = None
) -> Activity:
    """An activity from its JSON; `portfolio_id` when the JSON leaves it out (an activity item's
    JSON does: its key names the portfolio). One `parser` for many activities parses repeated
    values once."""
    owner = data.get("p", portfolio_id)
    if owner is None:
        raise ValueError("an activity's JSON must name its portfolio")
    parse = parser or Parser()
    get = data.get
    quantity = get("q")
    split = get("sp")
    fx = get("fx")
    fx_date = get("fxd")
    picks = get("pk")
    moved = get("mv")
    kind = data["t"]
    return Activity(
        id=data["id"],
        portfolio_id=owner,
        type=ACTIVITY_TYPES.get(kind) or ActivityType(kind),
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
        moved=tuple(moved_from(raw, parse) for raw in moved) if moved else (),
        note=get("n"),
        fx_rate_source=FxRateSource.REFERENCE if fx_date else FxRateSource.GIVEN,
        fx_rate_date=parse.day(fx_date) if fx_date else None,
    )


def activity_item(activity: Activity) -> dict[str, Any]:
    """One ledger entry under its portfolio (not in gsi1: the book must not grow with history)."""
    data = activity_data(activity)
    del data["p"]  # in the key already
    return {
        **table.activity_key(activity.portfolio_id, activity.occurred_on, activity.id),
        DATA: dumps(data),
    }


def activity_from(item: Mapping[str, Any]) -> Activity:
    return activity_from_data(json.loads(item[DATA]), table.portfolio_id_of(str(item["pk"])))


# --- the journal --------------------------------------------------------------------------------


def journal_line(activity: Activity, portfolio_id: str) -> bytes:
    """One activity of a journal: the JSON its item stores (its portfolio is the journal's)."""
    if activity.portfolio_id != portfolio_id:
        raise ValueError(f"activity {activity.id} is not of portfolio {portfolio_id}")
    data = activity_data(activity)
    del data["p"]
    return dumps(data).encode()


def pack_journal(lines: Sequence[bytes]) -> list[bytes]:
    """The journal is JSON lines (one activity a line, so that a write can reuse the lines of the
    activities it read unchanged), compressed and chunked like the projection; an empty ledger
    needs no chunk (a journal of 0 chunks at META's version is an empty one)."""
    if not lines:
        return []
    return chunked(zlib.compress(b"\n".join(lines), 6))


def journal_lines(chunks: Sequence[bytes]) -> list[bytes]:
    return zlib.decompress(b"".join(chunks)).split(b"\n") if chunks else []


def journal_activities(lines: Sequence[bytes], portfolio_id: str) -> list[Activity]:
    parser = Parser()
    return [activity_from_data(json.loads(line), portfolio_id, parser) for line in lines]


# --- refs ---------------------------------------------------------------------------------------


def lot_ids_of(activity: Activity) -> list[str]:
    """The lots an activity brings into its portfolio under ids of their own (a TRANSFER_IN's)."""
    if activity.type is not ActivityType.TRANSFER_IN:
        return []
    return [lot.lot_id for lot in activity.moved if lot.lot_id and lot.lot_id != activity.id]


def ref_item(id_: str, portfolio: Portfolio, occurred_on: date | None = None) -> dict[str, Any]:
    """Which portfolio (and customer) an activity or lot id belongs to; an activity's trade date
    too, which is part of its sort key."""
    return {
        **table.ref_key(id_),
        "type": REF_TYPE,
        "portfolioId": portfolio.id,
        "customerId": portfolio.customer_id,
        "occurredOn": occurred_on.isoformat() if occurred_on else None,
    }


def owner_from(item: Mapping[str, Any]) -> Owner:
    return Owner(
        id=table.ref_id_of(str(item["pk"])),
        portfolio_id=item["portfolioId"],
        customer_id=item["customerId"],
    )
