"""`manage.py send_expiry_digest`: queue the daily lot expiry digest (docs/lots.md); a scheduler (cron, a
systemd timer) runs it once a day. With TASKS_BACKEND=database the worker (`manage.py db_worker`) sends it."""

from django.core.management.base import BaseCommand

from orders.tasks import send_expiry_digest


class Command(BaseCommand):
    help = "Queue the daily e-mail of lots expiring soon and expired lots still on hand, to Managers and Admins."

    def handle(self, *args, **options):
        result = send_expiry_digest.enqueue()
        self.stdout.write(f"Expiry digest queued ({result.id}).")
