from django.core.management.base import BaseCommand

from accounts import services


class Command(BaseCommand):
    help = (
        "Send again the invitation e-mails whose worker was killed while sending them (still 'sending' "
        "INVITATION_SENDING_STALE_MINUTES later). Run it every few minutes from cron (docs/operations.md)."
    )

    def handle(self, *args: object, **options: object) -> None:
        recovered = services.invitation_deliveries_recover()
        self.stdout.write(f"{recovered} interrupted invitation e-mail(s) queued again or marked failed.")
