"""Background tasks of the accounts app (django-tasks: Django 6's django.tasks API)."""

from django_tasks import task

from accounts import services


@task()
def send_invitation_email(*, invitation_id: int, send_round: int) -> str:
    """Send one round of an invitation e-mail, retrying failures (see services.invitation_deliver)."""
    return services.invitation_deliver(invitation_id=invitation_id, send_round=send_round)
