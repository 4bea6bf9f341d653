"""Domain errors: what a service refuses, by meaning, with the data of the refusal.

Services raise these and import nothing from DRF; no error knows an HTTP status. The API's exception handler
(`stocky.kit.api.ERROR_STATUS`) maps each class to its status, and builds the envelope from `message` and
`errors`; the admin (`stocky.kit.admin_mixins`) shows the same `message` and `errors` on its forms. Both are
built here, from the data, so the API and the admin say the same thing.

A subclass that carries data (`InsufficientStock`, `InvalidTransition`) builds its own message from it; a
caller may still give a sentence that names the record in its own words (`message=`), and the `errors`
({field: [messages]}) follow from the message unless given.
"""

from dataclasses import dataclass
from decimal import Decimal


class DomainError(Exception):
    """A valid request that the rules refuse."""

    default_message = "The request conflicts with the current state"

    def __init__(self, message: str | None = None, errors: dict | None = None):
        self._message = message
        self._errors = errors
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return self._message or self.default_message

    @property
    def errors(self) -> dict:
        """{field: [messages]}: where the refusal belongs on a form or in the envelope's `errors`."""
        return self._errors or {}


class InvalidInput(DomainError):
    """A rule on the input that only a service can check (it needs the database)."""

    default_message = "Invalid input"


class NotFound(DomainError):
    """The record is gone, including deleted by someone else between the caller's read and the service's lock."""

    default_message = "Not found"


class Conflict(DomainError):
    """The request contradicts the current state of the records."""


class Forbidden(DomainError):
    """The rules allow the change, but not to the caller's role."""

    default_message = "Your role does not allow this action"


class AuthenticationFailed(DomainError):
    """The credentials (password, token) do not identify an active account."""

    default_message = "Authentication failed"


class TooLarge(DomainError):
    """An upload larger than what is kept."""

    default_message = "The upload is too large"


class InvalidTransition(Conflict):
    """`record` cannot go from `current` to `target`. `errors` name `field` (the status field as the caller
    knows it: `status`, `transition`)."""

    def __init__(self, record, current, target, *, message: str, field: str = "status"):
        self.record, self.current, self.target, self.field = record, current, target, field
        super().__init__(message, {field: [message]})


def plain(number) -> str:
    """10.000 → "10", 2.500 → "2.5": a quantity as a person writes it."""
    return format(Decimal(number).normalize(), "f")


@dataclass(frozen=True)
class Shortage:
    """One stocked item that has less than a change needs. `item_type` is the ledger's (`raw_product`)."""

    item_type: str
    item_id: int
    name: str
    needed: Decimal
    available: Decimal
    unit: str = ""

    def describe(self) -> str:
        """ "'Flour' (raw product 4): 12 kg needed, 3 kg on hand"."""
        unit = f" {self.unit}" if self.unit else ""
        kind = self.item_type.replace("_", " ")
        return (
            f"'{self.name}' ({kind} {self.item_id}): {plain(self.needed)}{unit} needed, "
            f"{plain(self.available)}{unit} on hand"
        )


class InsufficientStock(Conflict):
    """A change would take stock below zero: `shortages` lists each item short, as data.

    Without a `message`, one shortage reads as `stock_change` has always said it; `field` names where the
    refusal belongs (`quantity`; `materials` lists every shortage, as completing a plan does).
    """

    default_message = "Not enough stock"

    def __init__(self, shortages, *, message: str | None = None, field: str = "quantity"):
        self.shortages = list(shortages)
        self.field = field
        super().__init__(message)

    @property
    def message(self) -> str:
        if self._message:
            return self._message
        if len(self.shortages) == 1:
            short = self.shortages[0]
            return f"Not enough stock of '{short.name}': {short.needed} requested, {short.available} available"
        return self.default_message

    @property
    def errors(self) -> dict:
        if self.field == "materials":
            return {self.field: [short.describe() for short in self.shortages]}
        if self._message or len(self.shortages) != 1:
            return {self.field: [self.message]}
        short = self.shortages[0]
        return {self.field: [f"Only {short.available} of '{short.name}' available, {short.needed} requested"]}
