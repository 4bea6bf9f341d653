"""Domain errors: services raise these, the API's exception handler renders them in the envelope."""

from rest_framework import status


class DomainError(Exception):
    """A valid request that the rules refuse. Services raise these; the handler renders the envelope."""

    status_code = status.HTTP_409_CONFLICT
    default_message = "The request conflicts with the current state"

    def __init__(self, message=None, errors=None, status_code=None):
        self.message = message or self.default_message
        self.errors = errors or {}
        if status_code is not None:
            self.status_code = status_code
        super().__init__(self.message)


class Conflict(DomainError):
    pass


class InsufficientStock(Conflict):
    default_message = "Not enough stock"


class InvalidInput(DomainError):
    """A rule on the input that only a service can check (it needs the database)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_message = "Invalid input"
