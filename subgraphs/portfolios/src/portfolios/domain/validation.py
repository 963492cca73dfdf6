"""Validation of what clients ask to record; every problem of an input is reported at once.

The bounds below are generous for real portfolios and keep every sum and product exact in
`model.EXACT` (and every stored number short).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from kit.errors import InputProblems, Problem
from kit.money import Amount, is_iso_currency

from portfolios.domain.model import CostBasisMethod, Lot, Portfolio, PortfolioKind

ULID_PATTERN = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")
SYMBOL_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9.\-]{0,19}")

NAME_MAX_LENGTH = 100
QUANTITY_PLACES = 8
MAX_QUANTITY = Decimal(10) ** 12
AMOUNT_PLACES = 10
MAX_AMOUNT = Decimal(10) ** 12
FX_RATE_PLACES = 15
MAX_FX_RATE = Decimal(10) ** 9
IDEMPOTENCY_KEY_MAX_LENGTH = 128

# The latest calendar date in effect anywhere is the one at UTC+14 (Line Islands): a purchase dated
# then is not in the future for someone; a purchase dated later is in the future for everyone.
_LATEST_OFFSET = timedelta(hours=14)

INVALID = "INVALID"
NOT_FOUND = "NOT_FOUND"
FX_RATE_REQUIRED = "FX_RATE_REQUIRED"
IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


def is_ulid(value: str) -> bool:
    """Canonical ULID text: 26 upper-case Crockford base32 characters."""
    return ULID_PATTERN.fullmatch(value) is not None


def decimal_places(value: Decimal) -> int:
    """Significant decimal places: 1.50 has 1, 100 has 0."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def latest_purchase_date(now: datetime) -> date:
    """The latest date a purchase may carry at the (timezone-aware) instant `now`."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return (now.astimezone(UTC) + _LATEST_OFFSET).date()


def canonical(value: Decimal) -> str:
    """One spelling per number (10, 10.0 and 1E+1 all give "10"), for fingerprints."""
    return format(value.normalize(), "f")


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


def validate_portfolio(request: PortfolioRequest, *, customer_registered: bool) -> NewPortfolio:
    """The normalised portfolio, or InputProblems listing everything wrong with the request.

    `customer_registered` says whether the customer directory knows `customer_id`.
    """
    problems: list[Problem] = []
    customer_id = request.customer_id.strip()
    if not is_ulid(customer_id):
        problems.append(Problem(("input", "customerId"), "customerId is not a valid id", INVALID))
    elif not customer_registered:
        problems.extend(customer_not_found().problems)
    name = request.name.strip()
    if not 1 <= len(name) <= NAME_MAX_LENGTH:
        problems.append(
            Problem(("input", "name"), f"name must be 1 to {NAME_MAX_LENGTH} characters long", INVALID)
        )
    base_currency = request.base_currency.strip()
    if not is_iso_currency(base_currency):
        problems.append(
            Problem(("input", "baseCurrency"), "baseCurrency must be an ISO 4217 code such as USD", INVALID)
        )
    if problems:
        raise InputProblems(problems)
    return NewPortfolio(
        customer_id=customer_id,
        name=name,
        kind=request.kind,
        base_currency=base_currency,
        cost_basis_method=request.cost_basis_method,
    )


# --- lots -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LotRequest:
    """addInvestment's input, as the client sent it."""

    portfolio_id: str
    symbol: str
    quantity: Decimal
    price_amount: Decimal
    price_currency: str
    purchased_at: date
    fees_amount: Decimal | None = None
    fees_currency: str | None = None
    fx_rate: Decimal | None = None
    idempotency_key: str | None = None


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

    def fingerprint(self) -> str:
        """A hash of what the lot records: the same request sent again has the same fingerprint."""
        parts = [
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
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    def create(self, lot_id: str, created_at: datetime) -> Lot:
        return Lot(
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
        )


def _check_amount(value: Decimal, path: tuple[str, ...], label: str, problems: list[Problem]) -> None:
    if value < 0:
        problems.append(Problem(path, f"{label} must not be negative", INVALID))
    elif value > MAX_AMOUNT:
        problems.append(Problem(path, f"{label} must not exceed {MAX_AMOUNT}", INVALID))
    elif decimal_places(value) > AMOUNT_PLACES:
        problems.append(Problem(path, f"{label} has more than {AMOUNT_PLACES} decimal places", INVALID))


def validate_lot(request: LotRequest, *, portfolio: Portfolio | None, latest_date: date) -> NewLot:
    """The normalised lot, or InputProblems listing everything wrong with the request.

    `portfolio` is the portfolio `request.portfolio_id` names, None when there is none;
    `latest_date` the latest purchase date that is not in the future (`latest_purchase_date`).
    """
    problems: list[Problem] = []

    portfolio_id = request.portfolio_id.strip()
    if not is_ulid(portfolio_id):
        problems.append(Problem(("input", "portfolioId"), "portfolioId is not a valid id", INVALID))
    elif portfolio is None or portfolio.id != portfolio_id:
        problems.append(Problem(("input", "portfolioId"), "no portfolio has this id", NOT_FOUND))
        portfolio = None

    symbol = request.symbol.strip().upper()
    if not SYMBOL_PATTERN.fullmatch(symbol):
        problems.append(
            Problem(
                ("input", "symbol"),
                "symbol must be 1 to 20 letters, digits, '.' or '-', starting with a letter or digit",
                INVALID,
            )
        )

    quantity = request.quantity
    if quantity <= 0:
        problems.append(Problem(("input", "quantity"), "quantity must be greater than zero", INVALID))
    elif quantity > MAX_QUANTITY:
        problems.append(Problem(("input", "quantity"), f"quantity must not exceed {MAX_QUANTITY}", INVALID))
    elif decimal_places(quantity) > QUANTITY_PLACES:
        problems.append(
            Problem(
                ("input", "quantity"), f"quantity has more than {QUANTITY_PLACES} decimal places", INVALID
            )
        )

    _check_amount(request.price_amount, ("input", "purchasePrice", "amount"), "purchasePrice", problems)
    price_currency = request.price_currency.strip()
    price_currency_ok = is_iso_currency(price_currency)
    if not price_currency_ok:
        problems.append(
            Problem(
                ("input", "purchasePrice", "currencyCode"),
                "currencyCode must be an ISO 4217 code such as USD",
                INVALID,
            )
        )

    if request.purchased_at > latest_date:
        problems.append(Problem(("input", "purchasedAt"), "purchasedAt must not be in the future", INVALID))

    fees: Amount | None = None
    if request.fees_amount is not None or request.fees_currency is not None:
        fees_amount = request.fees_amount if request.fees_amount is not None else Decimal(0)
        fees_currency = (request.fees_currency or "").strip()
        _check_amount(fees_amount, ("input", "fees", "amount"), "fees", problems)
        if fees_currency != price_currency:
            problems.append(
                Problem(
                    ("input", "fees", "currencyCode"),
                    "fees must be in the purchase price's currency",
                    INVALID,
                )
            )
        fees = Amount(fees_amount, fees_currency)

    fx_rate = request.fx_rate
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
                        "fxRate must be 1 or omitted when the purchase is in the portfolio's base currency",
                        INVALID,
                    )
                )
            fx_rate = None
        elif fx_rate is None:
            problems.append(
                Problem(
                    ("input", "fxRate"),
                    f"the purchase is in {price_currency}, the portfolio in {portfolio.base_currency}: "
                    "give the fxRate of the purchase date",
                    FX_RATE_REQUIRED,
                )
            )

    idempotency_key = request.idempotency_key
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= IDEMPOTENCY_KEY_MAX_LENGTH:
        problems.append(
            Problem(
                ("input", "idempotencyKey"),
                f"idempotencyKey must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters long",
                INVALID,
            )
        )

    if problems or portfolio is None:
        raise InputProblems(problems)
    return NewLot(
        portfolio_id=portfolio.id,
        symbol=symbol,
        quantity=quantity,
        purchase_price=Amount(request.price_amount, price_currency),
        purchased_at=request.purchased_at,
        fees=fees,
        fx_rate=fx_rate,
        base_currency=portfolio.base_currency,
        idempotency_key=idempotency_key,
    )


def key_reused() -> InputProblems:
    return InputProblems.single(
        ("input", "idempotencyKey"),
        "this idempotencyKey was already used with a different input",
        IDEMPOTENCY_KEY_REUSED,
    )


def portfolio_gone() -> InputProblems:
    return InputProblems.single(("input", "portfolioId"), "no portfolio has this id", NOT_FOUND)


def customer_not_found() -> InputProblems:
    return InputProblems.single(("input", "customerId"), "no customer has this id", NOT_FOUND)
