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
from enum import Enum

from kit.core.errors import InputProblems, Problem
from kit.core.ids import is_customer_id, is_ulid
from kit.core.money import EXACT, Amount, decimal_places, is_iso_currency
from kit.core.text import TextError, TextKind, clean_text, text_problem, trimmed

from portfolios.domain.commands import (
    KEEP,
    ActivityRequest,
    CorrectionRequest,
    Keep,
    MoneyRequest,
    PickRequest,
    PortfolioRequest,
)
from portfolios.domain.model import (
    ONE,
    QUANTITY_PLACES,
    Activity,
    ActivityType,
    CostBasisMethod,
    LotPick,
    Portfolio,
    PortfolioKind,
    SplitRatio,
)
from portfolios.domain.problems import (
    FX_RATE_REQUIRED,
    INVALID,
    customer_closed_problem,
    customer_not_found,
    invalid_id,
)

SYMBOL_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9.\-]{0,19}")

NAME_MAX_LENGTH = 100
MAX_QUANTITY = Decimal(10) ** 12
AMOUNT_PLACES = 10
MAX_AMOUNT = Decimal(10) ** 12
FX_RATE_PLACES = 15
MAX_FX_RATE = Decimal(10) ** 9
MAX_SPLIT_TERM = Decimal(10) ** 6
MAX_PICKS = 10_000
IDEMPOTENCY_KEY_MAX_LENGTH = 128

# Re-exported: validation is where callers look for the input bounds.
__all__ = ["QUANTITY_PLACES", "PortfolioRequest", "decimal_places"]

# The latest calendar date in effect anywhere is the one at UTC+14 (Line Islands): a purchase dated
# then is not in the future for someone; a purchase dated later is in the future for everyone.
_LATEST_OFFSET = timedelta(hours=14)


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


# --- activities -------------------------------------------------------------------------------

# Which parts each type takes; any other part given is refused (a ledger entry says one thing).
_SYMBOL = frozenset(
    {
        ActivityType.BUY,
        ActivityType.SELL,
        ActivityType.DIVIDEND,
        ActivityType.SPLIT,
        ActivityType.TRANSFER_OUT,
    }
)
_QUANTITY = frozenset({ActivityType.BUY, ActivityType.SELL, ActivityType.TRANSFER_OUT})
_PRICE = frozenset({ActivityType.BUY, ActivityType.SELL})
_AMOUNT = frozenset(
    {
        ActivityType.DIVIDEND,
        ActivityType.INTEREST,
        ActivityType.DEPOSIT,
        ActivityType.WITHDRAWAL,
        ActivityType.FEE,
        ActivityType.TAX,
    }
)
_FEES = _PRICE | _AMOUNT
_PICKS = frozenset({ActivityType.SELL, ActivityType.TRANSFER_OUT})
# Symbols may also label a FEE or TAX (e.g. tax withheld on one instrument's dividend).
_OPTIONAL_SYMBOL = frozenset({ActivityType.FEE, ActivityType.TAX})


@dataclass(frozen=True, slots=True)
class NewActivity:
    """A valid activity for an existing portfolio, not yet recorded (nor replayed)."""

    portfolio: Portfolio
    type: ActivityType
    occurred_on: date
    symbol: str | None
    quantity: Decimal | None
    price: Amount | None
    amount: Amount | None
    fees: Amount | None
    fx_rate: Decimal
    split: SplitRatio | None
    counterpart_portfolio_id: str | None
    picks: tuple[LotPick, ...]
    note: str | None
    idempotency_key: str | None

    def fingerprint(self) -> str:
        """A hash of what the activity records: the same request sent again has the same one."""

        def money(value: Amount | None) -> list[str]:
            return [canonical(value.value), value.currency_code] if value else ["", ""]

        return _fingerprint(
            [
                self.portfolio.id,
                self.type.value,
                self.occurred_on.isoformat(),
                self.symbol or "",
                canonical(self.quantity) if self.quantity is not None else "",
                *money(self.price),
                *money(self.amount),
                *money(self.fees),
                canonical(self.fx_rate),
                canonical(self.split.from_) if self.split else "",
                canonical(self.split.to) if self.split else "",
                self.counterpart_portfolio_id or "",
                *(f"{p.lot_id}:{canonical(p.quantity)}" for p in self.picks),
                self.note or "",
            ]
        )

    def as_activity(self, activity_id: str, recorded_at: datetime) -> Activity:
        return Activity(
            id=activity_id,
            portfolio_id=self.portfolio.id,
            type=self.type,
            occurred_on=self.occurred_on,
            recorded_at=recorded_at,
            symbol=self.symbol,
            quantity=self.quantity,
            price=self.price,
            amount=self.amount,
            fees=self.fees,
            fx_rate=self.fx_rate,
            split=self.split,
            counterpart_portfolio_id=self.counterpart_portfolio_id,
            picks=self.picks,
            note=self.note,
        )


class _Check:
    """Collects the problems of one activity input, each at the path of the field the client sent."""

    def __init__(self, request: ActivityRequest) -> None:
        self.request = request
        self.problems: list[Problem] = []

    def add(self, field: str | tuple[str, ...], message: str, code: str = INVALID) -> None:
        path = (field,) if isinstance(field, str) else field
        self.problems.append(Problem(("input", *path), message, code))

    def amount(self, value: Decimal, field: tuple[str, ...], label: str, *, positive: bool) -> None:
        if value < 0 or (positive and value == 0):
            self.add(
                field, f"{label} must be greater than zero" if positive else f"{label} must not be negative"
            )
        elif value > MAX_AMOUNT:
            self.add(field, f"{label} must not exceed {MAX_AMOUNT}")
        elif decimal_places(value) > AMOUNT_PLACES:
            self.add(field, f"{label} has more than {AMOUNT_PLACES} decimal places")

    def money(self, money: MoneyRequest, field: str, label: str, *, positive: bool) -> Amount | None:
        self.amount(money.amount, (field, "amount"), label, positive=positive)
        currency = trimmed(money.currency_code, TextKind.CODE)
        if not is_iso_currency(currency):
            self.add((field, "currencyCode"), "currencyCode must be an ISO 4217 code such as USD")
            return None
        return Amount(money.amount, currency)

    def quantity(self, value: Decimal, field: tuple[str, ...]) -> None:
        self.problems.extend(quantity_problems(value, ("input", *field)))

    def unused(self, name: str, given: object, kind: ActivityType) -> None:
        if given is not None:
            self.add(name, f"{name} is not part of a {kind.value} activity")

    def required(self, name: str, given: object, kind: ActivityType) -> bool:
        if given is None:
            self.add(name, f"a {kind.value} activity needs {name}")
            return False
        return True


def _split_term(check: _Check, value: Decimal, field: str) -> None:
    if value <= 0:
        check.add(("splitRatio", field), f"splitRatio.{field} must be greater than zero")
    elif value > MAX_SPLIT_TERM or decimal_places(value) > QUANTITY_PLACES:
        check.add(
            ("splitRatio", field),
            f"splitRatio.{field} must not exceed {MAX_SPLIT_TERM} "
            f"nor have more than {QUANTITY_PLACES} decimal places",
        )


def _picks(check: _Check, request: ActivityRequest, portfolio: Portfolio | None) -> tuple[LotPick, ...]:
    if not request.lots:
        if request.lots is not None:
            check.add("lots", "lots must name at least one investment, or be omitted")
        return ()
    if portfolio is not None and portfolio.cost_basis_method is CostBasisMethod.AVERAGE:
        check.add(
            "lots", "an AVERAGE portfolio sells from every lot pro rata: specific lots cannot be chosen"
        )
        return ()
    if len(request.lots) > MAX_PICKS:
        check.add("lots", f"lots may name at most {MAX_PICKS} investments")
        return ()
    picks: list[LotPick] = []
    seen: set[str] = set()
    total = Decimal(0)
    for index, pick in enumerate(request.lots):
        lot_id = trimmed(pick.investment_id, TextKind.ID)
        if not is_ulid(lot_id):
            check.problems.append(invalid_id(("input", "lots", str(index), "investmentId")))
        elif lot_id in seen:
            check.add(("lots", str(index), "investmentId"), "each investment may be named once")
        seen.add(lot_id)
        check.quantity(pick.quantity, ("lots", str(index), "quantity"))
        total = EXACT.add(total, pick.quantity)
        picks.append(LotPick(lot_id, pick.quantity))
    if request.quantity is not None and total != request.quantity:
        check.add("lots", f"the lots' quantities add up to {total}, not to the quantity {request.quantity}")
    return tuple(picks)


def _fx_rate(
    check: _Check, request: ActivityRequest, currency: str | None, portfolio: Portfolio | None
) -> Decimal:
    fx_rate = request.fx_rate
    if fx_rate is not None:
        if fx_rate <= 0:
            check.add("fxRate", "fxRate must be greater than zero")
            return ONE
        if fx_rate > MAX_FX_RATE or decimal_places(fx_rate) > FX_RATE_PLACES:
            check.add(
                "fxRate",
                f"fxRate must not exceed {MAX_FX_RATE} nor have more than {FX_RATE_PLACES} decimal places",
            )
            return ONE
    if currency is None:
        if fx_rate is not None and fx_rate != 1:
            check.add("fxRate", f"a {request.type.value} activity moves no money: it takes no fxRate")
        return ONE
    if portfolio is None:
        return fx_rate or ONE
    if currency == portfolio.base_currency:
        if fx_rate is not None and fx_rate != 1:
            check.add(
                "fxRate", "fxRate must be 1 or omitted when the activity is in the portfolio's base currency"
            )
        return ONE
    if fx_rate is None:
        check.add(
            "fxRate",
            f"the activity is in {currency}, the portfolio in {portfolio.base_currency}: "
            f"give the fxRate of {request.occurred_at.isoformat()}",
            FX_RATE_REQUIRED,
        )
        return ONE
    return fx_rate


def validate_activity(
    request: ActivityRequest, *, portfolio: Portfolio | None, latest_date: date
) -> NewActivity:
    """The normalised activity, or InputProblems listing everything wrong with the request.

    `portfolio` is the portfolio `request.portfolio_id` names (None when there is none). Whether
    the ledger can take it (enough held on its date, the lots it names) is the replay's to say.
    """
    check = _Check(request)
    kind, names = request.type, request.fields
    portfolio_id = trimmed(request.portfolio_id, TextKind.ID)
    if not is_ulid(portfolio_id):
        check.problems.append(invalid_id(("input", "portfolioId")))
    elif portfolio is None or portfolio.id != portfolio_id:
        check.add("portfolioId", "no portfolio has this id", "NOT_FOUND")
        portfolio = None
    if kind is ActivityType.TRANSFER_IN:
        check.add("type", "a TRANSFER_IN is recorded by its TRANSFER_OUT, in the sending portfolio")
    if request.occurred_at > latest_date:
        check.add(names.occurred, f"{names.occurred} must not be in the future")

    symbol: str | None = None
    if kind in _SYMBOL:
        wanted = check.required("symbol", request.symbol, kind)
    else:
        wanted = kind in _OPTIONAL_SYMBOL and request.symbol is not None
        if kind not in _OPTIONAL_SYMBOL:
            check.unused("symbol", request.symbol, kind)
    if wanted:
        symbol = trimmed(request.symbol or "", TextKind.CODE).upper()
        if not SYMBOL_PATTERN.fullmatch(symbol):
            check.add(
                "symbol",
                "symbol must be 1 to 20 letters, digits, '.' or '-', starting with a letter or digit",
            )

    quantity = request.quantity
    if kind in _QUANTITY:
        if check.required("quantity", quantity, kind):
            assert quantity is not None
            check.quantity(quantity, ("quantity",))
    else:
        check.unused("quantity", quantity, kind)

    price = amount = fees = None
    currency: str | None = None
    if kind in _PRICE:
        if check.required(names.price, request.price, kind):
            assert request.price is not None
            label = "purchase price" if names.price == "purchasePrice" else "price"
            price = check.money(request.price, names.price, label, positive=False)
            currency = price.currency_code if price else None
    else:
        check.unused("price", request.price, kind)
    if kind in _AMOUNT:
        if check.required("amount", request.amount, kind):
            assert request.amount is not None
            amount = check.money(request.amount, "amount", "amount", positive=True)
            currency = amount.currency_code if amount else None
    else:
        check.unused("amount", request.amount, kind)
    if request.fees is not None:
        if kind not in _FEES:
            check.add("fees", f"a {kind.value} activity takes no fees: record a FEE activity")
        else:
            fees = check.money(request.fees, "fees", "fees", positive=False)
            if fees is not None and currency is not None and fees.currency_code != currency:
                what = names.price if kind in _PRICE else "amount"
                check.add(("fees", "currencyCode"), f"fees must be in the {what}'s currency")
    fx_rate = _fx_rate(check, request, currency, portfolio)

    split = None
    if kind is ActivityType.SPLIT:
        split_from, split_to = request.split_from, request.split_to
        # Both terms or none: half a ratio is no ratio (and must not pass as a SPLIT without one).
        whole = split_to if split_from is not None else None
        if check.required("splitRatio", whole, kind) and split_from is not None and split_to is not None:
            _split_term(check, split_from, "from")
            _split_term(check, split_to, "to")
            if split_from == split_to:
                check.add("splitRatio", "a split of 1 for 1 changes nothing")
            split = SplitRatio(split_from, split_to)
    elif request.split_from is not None or request.split_to is not None:
        check.add("splitRatio", f"splitRatio is not part of a {kind.value} activity")

    counterpart = None
    if kind is ActivityType.TRANSFER_OUT:
        if check.required("counterpartPortfolioId", request.counterpart_portfolio_id, kind):
            counterpart = trimmed(request.counterpart_portfolio_id or "", TextKind.ID)
            if not is_ulid(counterpart):
                check.problems.append(invalid_id(("input", "counterpartPortfolioId")))
            elif counterpart == portfolio_id:
                check.add("counterpartPortfolioId", "a transfer goes to another portfolio")
    else:
        check.unused("counterpartPortfolioId", request.counterpart_portfolio_id, kind)

    picks: tuple[LotPick, ...] = ()
    if kind in _PICKS:
        picks = _picks(check, request, portfolio)
    elif request.lots is not None:
        check.add("lots", f"lots are not part of a {kind.value} activity")

    note = None
    if request.note is not None:
        problem = text_problem(request.note, TextKind.NOTE, ("input", "note"))
        if problem is not None:
            check.problems.append(problem)
        else:
            note = clean_text(request.note, TextKind.NOTE).strip() or None

    if request.idempotency_key is not None:
        key_problem = text_problem(request.idempotency_key, TextKind.KEY, ("input", "idempotencyKey"))
        if key_problem is not None:
            check.problems.append(key_problem)
        elif usable_idempotency_key(request.idempotency_key) is None:
            check.add(
                "idempotencyKey", f"idempotencyKey must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters long"
            )

    if check.problems or portfolio is None:
        raise InputProblems(check.problems)
    return NewActivity(
        portfolio=portfolio,
        type=kind,
        occurred_on=request.occurred_at,
        symbol=symbol,
        quantity=quantity,
        price=price,
        amount=amount,
        fees=fees,
        fx_rate=fx_rate,
        split=split,
        counterpart_portfolio_id=counterpart,
        picks=picks,
        note=note,
        idempotency_key=request.idempotency_key,
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


def quantity_problems(quantity: Decimal, path: tuple[str, ...] = ("input", "quantity")) -> list[Problem]:
    if quantity <= 0:
        return [Problem(path, "quantity must be greater than zero", INVALID)]
    if quantity > MAX_QUANTITY:
        return [Problem(path, f"quantity must not exceed {MAX_QUANTITY}", INVALID)]
    if decimal_places(quantity) > QUANTITY_PLACES:
        return [Problem(path, f"quantity has more than {QUANTITY_PLACES} decimal places", INVALID)]
    return []


def _kept(value: object, current: object) -> object:
    return current if isinstance(value, Keep) else value


def _money_request(value: Amount | None) -> MoneyRequest | None:
    return MoneyRequest(value.value, value.currency_code) if value is not None else None


def corrected_request(activity: Activity, correction: CorrectionRequest) -> ActivityRequest:
    """The recordActivity input that would record `activity` as corrected, to validate it the same
    way. A new currency drops the activity's fxRate (a rate belongs to one currency pair) unless the
    correction gives one."""
    price = _kept(correction.price, _money_request(activity.price))
    amount = _kept(correction.amount, _money_request(activity.amount))
    new_currency = next((m.currency_code for m in (price, amount) if isinstance(m, MoneyRequest)), None)
    keeps_currency = new_currency == activity.currency_code
    fx_rate: object = activity.fx_rate if keeps_currency and activity.fx_rate != 1 else None
    if not isinstance(correction.fx_rate, Keep):
        fx_rate = correction.fx_rate
    picks = tuple(PickRequest(p.lot_id, p.quantity) for p in activity.picks) or None
    return ActivityRequest(
        portfolio_id=activity.portfolio_id,
        type=activity.type,
        occurred_at=_kept(correction.occurred_at, activity.occurred_on),  # type: ignore[arg-type]
        symbol=_kept(correction.symbol, activity.symbol),  # type: ignore[arg-type]
        quantity=_kept(correction.quantity, activity.quantity),  # type: ignore[arg-type]
        price=price,  # type: ignore[arg-type]
        amount=amount,  # type: ignore[arg-type]
        fees=_kept(correction.fees, _money_request(activity.fees)),  # type: ignore[arg-type]
        fx_rate=fx_rate,  # type: ignore[arg-type]
        split_from=_kept(correction.split_from, activity.split.from_ if activity.split else None),  # type: ignore[arg-type]
        split_to=_kept(correction.split_to, activity.split.to if activity.split else None),  # type: ignore[arg-type]
        counterpart_portfolio_id=activity.counterpart_portfolio_id,
        lots=_kept(correction.lots, picks),  # type: ignore[arg-type]
        note=_kept(correction.note, activity.note),  # type: ignore[arg-type]
        fields=correction.fields,
    )


__all__ += ["KEEP"]
