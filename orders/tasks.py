"""Background tasks of the orders app (django-tasks: Django 6's django.tasks API)."""

from django_tasks import task

from orders.digest import expiry_digest_send


@task()
def send_expiry_digest():
    """The daily expiry digest (orders.digest), queued by `manage.py send_expiry_digest`."""
    return expiry_digest_send()
