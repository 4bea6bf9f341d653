"""Background tasks of the exchange app (django-tasks: Django 6's django.tasks API)."""

from django_tasks import task

from stocky.exchange import jobs


@task()
def run_import(*, job_id):
    """Import the file of an admin import job (see jobs.import_job_run)."""
    return jobs.import_job_run(job_id=job_id)
