"""Validation of what clients ask to record; every problem of an input is reported at once.

The bounds below are generous for real portfolios and keep every sum and product exact in
`model.EXACT` (and every stored number short).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum

from kit.errors import InputProblems, Problem
from kit.ids import is_customer_id, is_ulid
from kit.money import EXACT, Amount, decimal_places, is_iso_currency
from kit.text import TextError, TextKind, clean_text, text_problem, trimmed

from portfolios.domain.costbasis import net_proceeds
from portfolios.domain.model import (
    QUANTITY_PLACES,
    CostBasisMethod,
    Lot,
    Portfolio,
    PortfolioKind,
)

SYMBOL_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9.\-]{0,19}")

NAME_MAX_LENGTH = 100
MAX_QUANTITY = Decimal(10) ** 12
AMOUNT_PLACES = 10
MAX_AMOUNT = Decimal(10) ** 12
FX_RATE_PLACES = 15
MAX_FX_RATE = Decimal(10) ** 9
IDEMPOTENCY_KEY_MAX_LENGTH = 128

# Re-exported: validation is where callers look for the input bounds.
__all__ = ["QUANTITY_PLACES", "decimal_places"]

# The latest calendar date in effect anywhere is the one at UTC+14 (Line Islands): a purchase dated
# then is not in the future for someone; a purchase dated later is in the future for everyone.
_LATEST_OFFSET = timedelta(hours=14)

INVALID = "INVALID"
NOT_FOUND = "NOT_FOUND"
CONFLICT = "CONFLICT"
CUSTOMER_CLOSED = "CUSTOMER_CLOSED"
PORTFOLIO_CLOSED = "PORTFOLIO_CLOSED"
INSUFFICIENT_QUANTITY = "INSUFFICIENT_QUANTITY"
FX_RATE_REQUIRED = "FX_RATE_REQUIRED"
IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


def latest_purchase_date(now: datetime) -> date:
    """The latest date a purchase (or sale) may carry at the (timezone-aware) instant `now`."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return (now.astimezone(UTC) + _LATEST_OFFSET).date()


def canonical(value: Decimal) -> str:
    """One spelling per number (10, 10.0 and 1E+1 all give "10"), for fingerprints."""
    return format(value.normalize(EXACT), "f")


def _fingerprint(parts: list[str]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


# --- portfolios -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PortfolioRequest:
    """createPortfolio's input, as the client sent it."""

    customer_id: str
    name: str
    kind: PortfolioKind
    base_currency: str
    cost_basis_method: CostBasisMethod = CostBasisMethod.FIFO


@dataclass(frozen=True, slots=True)
class NewPortfolio:
    customer_id: str
    name: str
    kind: PortfolioKind
    base_currency: str
    cost_basis_method: CostBasisMethod

    def create(self, portfolio_id: str, created_at: datetime) -> Portfolio:
        return Portfolio(
            id=portfolio_id,
            customer_id=self.customer_id,
            name=self.name,
            kind=self.kind,
            base_currency=self.base_currency,
            cost_basis_method=self.cost_basis_method,
            created_at=created_at,
        )


class CustomerStatus(Enum):
    """What the customer directory knows of a customer."""

    UNKNOWN = "UNKNOWN"
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


def _name_problems(name: str) -> list[Problem]:
    problem = text_problem(name, TextKind.NAME, ("input", "name"))
    if problem is not None:
        return [problem]
    if 1 <= len(_clean_name(name)) <= NAME_MAX_LENGTH:
        return []
    return [Problem(("input", "name"), f"name must be 1 to {NAME_MAX_LENGTH} characters long", INVALID)]


def _clean_name(name: str) -> str:
    """A name the text policy accepted, in NFC and trimmed."""
    return clean_text(name, TextKind.NAME).strip()


def validate_name(name: str) -> str:
    """The trimmed portfolio name, or InputProblems (INVALID on input.name)."""
    problems = _name_problems(name)
    if problems:
        raise InputProblems(problems)
    return _clean_name(name)


def validate_portfolio(
    request: PortfolioRequest, *, customer_registered: bool, customer_closed: bool = False
) -> NewPortfolio:
    """The normalised portfolio, or InputProblems listing everything wrong with the request.

    `customer_registered` says whether the customer directory knows `customer_id`,
    `customer_closed` whether it knows the customer closed their account.
    """
    problems: list[Problem] = []
    customer_id = trimmed(request.customer_id, TextKind.ID)
    if not is_customer_id(customer_id):
        problems.append(Problem(("input", "customerId"), "customerId is not a valid id", INVALID))
    elif customer_closed:
        problems.extend(customer_closed_problem(("input", "customerId")).problems)
    elif not customer_registered:
        problems.extend(customer_not_found().problems)
    problems.extend(_name_problems(request.name))
    base_currency = trimmed(request.base_currency, TextKind.CODE)
    if not is_iso_currency(base_currency):
        problems.append(
            Problem(("input", "baseCurrency"), "baseCurrency must be an ISO 4217 code such as USD", INVALID)
        )
    if problems:
        raise InputProblems(problems)
    return NewPortfolio(
        customer_id=customer_id,
        name=_clean_name(request.name),
        kind=request.kind,
        base_currency=base_currency,
        cost_basis_method=request.cost_basis_method,
    )


# --- trades (purchases and sales) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Trade:
    """The parts purchases and sales share, validated and normalised."""

    portfolio: Portfolio
    symbol: str
    quantity: Decimal
    price: Amount
    traded_at: date
    fees: Amount | None
    fx_rate: Decimal | None
    idempotency_key: str | None


_LABELS = {
    "purchasePrice": "purchase price",
    "price": "sale price",
    "purchasedAt": "purchase date",
    "soldAt": "sale date",
}


def _check_amount(value: Decimal, path: tuple[str, ...], label: str, problems: list[Problem]) -> None:
    if value < 0:
        problems.append(Problem(path, f"{label} must not be negative", INVALID))
    elif value > MAX_AMOUNT:
        problems.append(Problem(path, f"{label} must not exceed {MAX_AMOUNT}", INVALID))
    elif decimal_places(value) > AMOUNT_PLACES:
        problems.append(Problem(path, f"{label} has more than {AMOUNT_PLACES} decimal places", INVALID))


def quantity_problems(quantity: Decimal, path: tuple[str, ...] = ("input", "quantity")) -> list[Problem]:
    if quantity <= 0:
        return [Problem(path, "quantity must be greater than zero", INVALID)]
    if quantity > MAX_QUANTITY:
        return [Problem(path, f"quantity must not exceed {MAX_QUANTITY}", INVALID)]
    if decimal_places(quantity) > QUANTITY_PLACES:
        return [Problem(path, f"quantity has more than {QUANTITY_PLACES} decimal places", INVALID)]
    return []


@dataclass(frozen=True, slots=True, kw_only=True)
class TradeRequest:
    """What a buy (addInvestment) and a sell (sellInvestment) input share, as the client sent it."""

    portfolio_id: str
    symbol: str
    quantity: Decimal
    price_amount: Decimal
    price_currency: str
    fees_amount: Decimal | None = None
    fees_currency: str | None = None
    fx_rate: Decimal | None = None
    idempotency_key: str | None = None


def _validate_trade(
    request: TradeRequest,
    *,
    portfolio: Portfolio | None,
    traded_at: date,
    latest_date: date,
    price_field: str,
    date_field: str,
) -> _Trade:
    problems: list[Problem] = []
    portfolio_id, symbol, quantity = request.portfolio_id, request.symbol, request.quantity
    price_amount, price_currency = request.price_amount, request.price_currency
    fees_amount, fees_currency = request.fees_amount, request.fees_currency
    fx_rate, idempotency_key = request.fx_rate, request.idempotency_key

    portfolio_id = trimmed(portfolio_id, TextKind.ID)
    if not is_ulid(portfolio_id):
        problems.append(Problem(("input", "portfolioId"), "portfolioId is not a valid id", INVALID))
    elif portfolio is None or portfolio.id != portfolio_id:
        problems.append(Problem(("input", "portfolioId"), "no portfolio has this id", NOT_FOUND))
        portfolio = None

    symbol = trimmed(symbol, TextKind.CODE).upper()
    if not SYMBOL_PATTERN.fullmatch(symbol):
        problems.append(
            Problem(
                ("input", "symbol"),
                "symbol must be 1 to 20 letters, digits, '.' or '-', starting with a letter or digit",
                INVALID,
            )
        )

    problems.extend(quantity_problems(quantity))

    price_label = _LABELS[price_field]
    _check_amount(price_amount, ("input", price_field, "amount"), price_field, problems)
    price_currency = trimmed(price_currency, TextKind.CODE)
    price_currency_ok = is_iso_currency(price_currency)
    if not price_currency_ok:
        problems.append(
            Problem(
                ("input", price_field, "currencyCode"),
                "currencyCode must be an ISO 4217 code such as USD",
                INVALID,
            )
        )

    if traded_at > latest_date:
        problems.append(Problem(("input", date_field), f"{date_field} must not be in the future", INVALID))

    fees: Amount | None = None
    if fees_amount is not None or fees_currency is not None:
        amount = fees_amount if fees_amount is not None else Decimal(0)
        currency = trimmed(fees_currency or "", TextKind.CODE)
        _check_amount(amount, ("input", "fees", "amount"), "fees", problems)
        if currency != price_currency:
            problems.append(
                Problem(
                    ("input", "fees", "currencyCode"),
                    f"fees must be in the {price_label}'s currency",
                    INVALID,
                )
            )
        fees = Amount(amount, currency)

    if fx_rate is not None:
        if fx_rate <= 0:
            problems.append(Problem(("input", "fxRate"), "fxRate must be greater than zero", INVALID))
        elif fx_rate > MAX_FX_RATE or decimal_places(fx_rate) > FX_RATE_PLACES:
            problems.append(
                Problem(
                    ("input", "fxRate"),
                    f"fxRate must not exceed {MAX_FX_RATE} "
                    f"nor have more than {FX_RATE_PLACES} decimal places",
                    INVALID,
                )
            )
    if portfolio is not None and price_currency_ok:
        if price_currency == portfolio.base_currency:
            if fx_rate is not None and fx_rate > 0 and fx_rate != 1:
                problems.append(
                    Problem(
                        ("input", "fxRate"),
                        f"fxRate must be 1 or omitted when the {price_label} "
                        "is in the portfolio's base currency",
                        INVALID,
                    )
                )
            fx_rate = None
        elif fx_rate is None:
            problems.append(
                Problem(
                    ("input", "fxRate"),
                    f"the {price_label} is in {price_currency}, the portfolio in {portfolio.base_currency}: "
                    f"give the fxRate of the {_LABELS[date_field]}",
                    FX_RATE_REQUIRED,
                )
            )

    if idempotency_key is not None:
        key_problem = text_problem(idempotency_key, TextKind.KEY, ("input", "idempotencyKey"))
        if key_problem is not None:
            problems.append(key_problem)
        elif usable_idempotency_key(idempotency_key) is None:
            problems.append(
                Problem(
                    ("input", "idempotencyKey"),
                    f"idempotencyKey must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters long",
                    INVALID,
                )
            )

    if problems or portfolio is None:
        raise InputProblems(problems)
    return _Trade(
        portfolio=portfolio,
        symbol=symbol,
        quantity=quantity,
        price=Amount(price_amount, price_currency),
        traded_at=traded_at,
        fees=fees,
        fx_rate=fx_rate,
        idempotency_key=idempotency_key,
    )


def usable_idempotency_key(key: str | None) -> str | None:
    """The key as stored and looked up, or None when it is none or one the rules refuse, so that a
    malformed key is never looked up. An opaque key is compared as sent: not normalised."""
    if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        return None
    try:
        clean_text(key, TextKind.KEY)
    except TextError:
        return None
    return key


# --- lots -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class LotRequest(TradeRequest):
    """addInvestment's input, as the client sent it."""

    purchased_at: date


@dataclass(frozen=True, slots=True)
class NewLot:
    """A valid lot for an existing portfolio, not yet recorded."""

    portfolio_id: str
    symbol: str
    quantity: Decimal
    purchase_price: Amount
    purchased_at: date
    fees: Amount | None
    fx_rate: Decimal | None
    base_currency: str
    idempotency_key: str | None
    customer_id: str

    def fingerprint(self) -> str:
        """A hash of what the lot records: the same request sent again has the same fingerprint."""
        return _fingerprint(
            [
                self.portfolio_id,
                self.symbol,
                canonical(self.quantity),
                canonical(self.purchase_price.value),
                self.purchase_price.currency_code,
                self.purchased_at.isoformat(),
                canonical(self.fees.value) if self.fees else "",
                self.fees.currency_code if self.fees else "",
                canonical(self.fx_rate) if self.fx_rate is not None else "",
            ]
        )

    def create(self, lot_id: str, created_at: datetime) -> Lot:
        lot = Lot(
            id=lot_id,
            portfolio_id=self.portfolio_id,
            symbol=self.symbol,
            quantity=self.quantity,
            purchase_price=self.purchase_price,
            purchased_at=self.purchased_at,
            fees=self.fees,
            fx_rate=self.fx_rate,
            base_currency=self.base_currency,
            created_at=created_at,
            remaining_quantity=self.quantity,
            remaining_cost=Decimal(0),
            version=1,
            customer_id=self.customer_id,
        )
        return replace(lot, remaining_cost=lot.cost_basis.value)

    def applied_to(self, lot: Lot) -> Lot:
        """`lot` corrected to this lot's values (quantity, price, date, fees, fx rate), one version up.

        Only for a lot no sale took from: what remains is then the whole corrected lot.
        """
        corrected = replace(
            lot,
            quantity=self.quantity,
            purchase_price=self.purchase_price,
            purchased_at=self.purchased_at,
            fees=self.fees,
            fx_rate=self.fx_rate,
            remaining_quantity=self.quantity,
            version=lot.version + 1,
        )
        return replace(corrected, remaining_cost=corrected.cost_basis.value)


def validate_lot(request: LotRequest, *, portfolio: Portfolio | None, latest_date: date) -> NewLot:
    """The normalised lot, or InputProblems listing everything wrong with the request.

    `portfolio` is the portfolio `request.portfolio_id` names, None when there is none;
    `latest_date` the latest purchase date that is not in the future (`latest_purchase_date`).
    """
    trade = _validate_trade(
        request,
        portfolio=portfolio,
        traded_at=request.purchased_at,
        latest_date=latest_date,
        price_field="purchasePrice",
        date_field="purchasedAt",
    )
    return NewLot(
        portfolio_id=trade.portfolio.id,
        symbol=trade.symbol,
        quantity=trade.quantity,
        purchase_price=trade.price,
        purchased_at=trade.traded_at,
        fees=trade.fees,
        fx_rate=trade.fx_rate,
        base_currency=trade.portfolio.base_currency,
        idempotency_key=trade.idempotency_key,
        customer_id=trade.portfolio.customer_id,
    )


class Keep(Enum):
    """A correction's field that was not given: the lot keeps its value."""

    KEEP = "KEEP"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class CorrectionRequest:
    """updateInvestment's input: the fields given replace the lot's; `None` clears fees or fxRate.

    Amounts are as the client sent them (not yet validated).
    """

    id: str
    quantity: Decimal | Keep = KEEP
    purchase_price: Amount | Keep = KEEP
    purchased_at: date | Keep = KEEP
    fees: Amount | Keep | None = KEEP
    fx_rate: Decimal | Keep | None = KEEP


def corrected_request(lot: Lot, correction: CorrectionRequest) -> LotRequest:
    """The addInvestment input that would record `lot` as corrected, to validate it the same way.

    A new purchase currency drops the lot's fx rate (a rate belongs to one currency pair) unless
    the correction gives one.
    """
    price = lot.purchase_price if isinstance(correction.purchase_price, Keep) else correction.purchase_price
    fx_rate = lot.fx_rate if price.currency_code == lot.purchase_price.currency_code else None
    if not isinstance(correction.fx_rate, Keep):
        fx_rate = correction.fx_rate
    fees = lot.fees if isinstance(correction.fees, Keep) else correction.fees
    return LotRequest(
        portfolio_id=lot.portfolio_id,
        symbol=lot.symbol,
        quantity=lot.quantity if isinstance(correction.quantity, Keep) else correction.quantity,
        price_amount=price.value,
        price_currency=price.currency_code,
        purchased_at=lot.purchased_at
        if isinstance(correction.purchased_at, Keep)
        else correction.purchased_at,
        fees_amount=fees.value if fees else None,
        fees_currency=fees.currency_code if fees else None,
        fx_rate=fx_rate,
    )


# --- sales ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SaleRequest(TradeRequest):
    """sellInvestment's input, as the client sent it."""

    sold_at: date


@dataclass(frozen=True, slots=True)
class NewSale:
    """A valid sale from an existing portfolio, not yet matched against its lots."""

    portfolio: Portfolio
    symbol: str
    quantity: Decimal
    price: Amount
    sold_at: date
    fees: Amount | None
    fx_rate: Decimal | None
    idempotency_key: str | None

    def fingerprint(self) -> str:
        return _fingerprint(
            [
                "SELL",
                self.portfolio.id,
                self.symbol,
                canonical(self.quantity),
                canonical(self.price.value),
                self.price.currency_code,
                self.sold_at.isoformat(),
                canonical(self.fees.value) if self.fees else "",
                self.fees.currency_code if self.fees else "",
                canonical(self.fx_rate) if self.fx_rate is not None else "",
            ]
        )

    @property
    def net_proceeds(self) -> Decimal:
        """(quantity * price - fees) * fxRate, in the portfolio's base currency."""
        return net_proceeds(
            self.quantity, self.price.value, self.fees.value if self.fees else None, self.fx_rate
        )


def validate_sale(request: SaleRequest, *, portfolio: Portfolio | None, latest_date: date) -> NewSale:
    """The normalised sale, or InputProblems: the same rules as a purchase (price, fees in the
    price's currency, fxRate required when the price is not in the base currency, soldAt not in
    the future). Whether the portfolio holds enough is for the service to check against its lots."""
    trade = _validate_trade(
        request,
        portfolio=portfolio,
        traded_at=request.sold_at,
        latest_date=latest_date,
        price_field="price",
        date_field="soldAt",
    )
    return NewSale(
        portfolio=trade.portfolio,
        symbol=trade.symbol,
        quantity=trade.quantity,
        price=trade.price,
        sold_at=trade.traded_at,
        fees=trade.fees,
        fx_rate=trade.fx_rate,
        idempotency_key=trade.idempotency_key,
    )


# --- problems the use cases report --------------------------------------------------------------


def key_reused() -> InputProblems:
    return InputProblems.single(
        ("input", "idempotencyKey"),
        "this idempotencyKey was already used with a different input",
        IDEMPOTENCY_KEY_REUSED,
    )


def portfolio_gone(field: tuple[str, ...] = ("input", "portfolioId")) -> InputProblems:
    return InputProblems.single(field, "no portfolio has this id", NOT_FOUND)


def investment_gone() -> InputProblems:
    return InputProblems.single(("input", "id"), "no investment has this id", NOT_FOUND)


def customer_not_found() -> InputProblems:
    return InputProblems.single(("input", "customerId"), "no customer has this id", NOT_FOUND)


def customer_closed_problem(field: tuple[str, ...]) -> InputProblems:
    return InputProblems.single(
        field, "the customer closed their account: no new portfolios or investments", CUSTOMER_CLOSED
    )


def portfolio_closed(field: tuple[str, ...]) -> InputProblems:
    return InputProblems.single(
        field, "the portfolio is closed: it accepts no new investments, sales or changes", PORTFOLIO_CLOSED
    )


def lot_consumed() -> InputProblems:
    return InputProblems.single(
        ("input", "id"),
        "a sale already took from this investment: it can no longer be corrected or removed",
        INVALID,
    )


def insufficient_quantity(held: Decimal) -> InputProblems:
    return InputProblems.single(
        ("input", "quantity"), f"the portfolio holds only {held} of this instrument", INSUFFICIENT_QUANTITY
    )


def conflict() -> InputProblems:
    return InputProblems.single(
        ("input",),
        "other changes to the same records kept interfering; nothing was written, try again",
        CONFLICT,
    )
