"""A simulated clock for writing a history: the services stamp what they do with `timezone.now()`.

The demo replays months of work through the same services the API uses, so that every ledger entry, order and
production run is made the way real ones are. Those services read the time from `django.utils.timezone.now`
(directly, and through `auto_now` fields); while `SimulatedClock.running()` is active that function answers the
simulated time instead, so a receipt replayed for last March is stamped last March. Only the seeding command uses
it, in its own process, around its own transaction.
"""

from contextlib import contextmanager

from django.utils import timezone


class SimulatedClock:
    def __init__(self, start):
        self.now = start

    def set(self, moment):
        self.now = moment

    @contextmanager
    def running(self):
        """Make `timezone.now()` answer this clock's time until the block ends."""
        real_now = timezone.now
        timezone.now = lambda: self.now
        try:
            yield self
        finally:
            timezone.now = real_now

    @contextmanager
    def at(self, moment):
        """Stamp the block's work at `moment`, then come back: for a record created earlier than the event
        being replayed (never for a stock movement, which must follow the ledger's order)."""
        previous, self.now = self.now, moment
        try:
            yield
        finally:
            self.now = previous
