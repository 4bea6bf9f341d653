"""An import started in the admin, run by a background task: its file, progress and report."""

from django.conf import settings
from django.db import models

from accounts.models import STAFF_ROLES


class ImportJob(models.Model):
    """One admin import: the request stores the upload and queues it; the task reads it, counts its rows
    as it imports them and keeps the report the page then shows (stocky.exchange.jobs)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    # The admin's list of import jobs: for those who import, that is who enters the admin (Admins see every
    # job, others their own: stocky.exchange.admin.ImportJobAdmin). Read-only: jobs are made by importing.
    ROLE_PERMISSIONS = {"view": STAFF_ROLES}

    resource = models.CharField(max_length=50, help_text="The REGISTRY name, e.g. raw-products.")
    filename = models.CharField(max_length=255, help_text="The uploaded file's name, for the page and notes.")
    file = models.FileField(
        upload_to="imports/",
        max_length=255,
        blank=True,
        help_text="Deleted once imported; an interrupted job's is kept to run again.",
    )
    format = models.CharField(max_length=10)
    update = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    # {"summary", "ok", "saved", "errors": [[line, text], ...], "more_errors", "notes"} or {"file_error"}.
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written by the running task as it goes (with rows_done): a running job whose heartbeat is older than
    # IMPORT_JOB_STALE_MINUTES lost its worker (jobs.import_jobs_mark_interrupted).
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"Import of {self.filename} into {self.resource}"

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def interrupted(self):
        return bool(self.report.get("interrupted"))
