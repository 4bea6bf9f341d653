"""Admin imports as background tasks: the request stores the file and queues it; a task imports it.

`import_job_start` (the request) only saves the upload to the default storage and enqueues `run_import`
after the transaction commits; `import_job_run` (the task, on `db_worker` in production) reads the file
with the same engine as `manage.py import`, records progress and keeps the report for the job's page.
"""

import copy
import logging
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Q
from django.db.utils import load_backend
from django.utils import timezone

# tasks imports this module too; each uses the other only when called.
from stocky.exchange import engine, tasks
from stocky.exchange.formats import FileError
from stocky.exchange.models import ImportJob
from stocky.exchange.resources import REGISTRY
from stocky.kit.errors import InvalidInput

logger = logging.getLogger("stocky.exchange.jobs")

MAX_REPORTED_ERRORS = 1000  # a file of bad rows must not make a report too large to store or show
PROGRESS_EVERY_SECONDS = 1.0
INTERRUPTED = (
    "The import was interrupted: the worker running it stopped (a restart, or out of memory) before it "
    "finished. Nothing was imported; run it again."
)


@transaction.atomic
def import_job_start(*, resource, upload, fmt, update, dry_run, user) -> ImportJob:
    """Store `upload` and queue its import into `resource` (a REGISTRY name) as `user`."""
    job = ImportJob(
        resource=resource, filename=upload.name[:255], format=fmt, update=update, dry_run=dry_run, user=user
    )
    # A random directory: the stored name must not be guessable while the file waits (MEDIA_ROOT may be served).
    job.file.save(f"{secrets.token_urlsafe(16)}/upload.{fmt}", upload, save=False)
    job.save()
    transaction.on_commit(lambda: tasks.run_import.enqueue(job_id=job.pk), robust=True)
    return job


class ProgressRecorder:
    """Writes the rows done so far and the job's heartbeat, at most once a second, on a connection of its
    own: the import runs in one transaction, which no one else sees until it ends.

    Only when the job is committed and the database takes a second writer: not inside a test's or a
    request's transaction (the immediate backend), and not on SQLite, which has one writer at a time
    (there the page shows the count when the import ends)."""

    def __init__(self, job):
        self.job = job
        self.side = None
        if not connection.in_atomic_block and connection.vendor != "sqlite":
            settings_dict = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
            self.side = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias="import_progress")
        self.written_at = time.monotonic()

    def __call__(self, rows, total, description):
        done = 0
        for row in rows:
            yield row
            done += 1
            if self.side is not None and time.monotonic() - self.written_at >= PROGRESS_EVERY_SECONDS:
                self.write(done)
        self.job.rows_done = done

    def write(self, done):
        table = self.side.ops.quote_name(ImportJob._meta.db_table)
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET rows_done = %s, heartbeat_at = %s WHERE id = %s",  # noqa: S608
                [done, self.side.ops.adapt_datetimefield_value(timezone.now()), self.job.pk],
            )
        self.written_at = time.monotonic()

    def close(self):
        if self.side is not None:
            self.side.close()


def import_job_run(*, job_id) -> str:
    """Import the file of job `job_id` (the background task's body); returns its status."""
    job = ImportJob.objects.select_related("user").filter(pk=job_id, status=ImportJob.Status.QUEUED).first()
    if job is None:
        return "skipped"  # already run (a task delivered twice)
    resource = REGISTRY[job.resource]
    job.status, job.started_at = ImportJob.Status.RUNNING, timezone.now()
    job.heartbeat_at = job.started_at
    job.save(update_fields=["status", "started_at", "heartbeat_at"])
    progress = ProgressRecorder(job)
    try:
        with job.file.open("rb") as stream:
            table = engine.read_table(resource, stream, job.format, update=job.update)
            job.rows_total, job.heartbeat_at = table.total, timezone.now()
            job.save(update_fields=["rows_total", "heartbeat_at"])
            # The job's outcome commits with the rows it imported, in one transaction: a worker killed before
            # that commit imported nothing and left the job running (import_jobs_mark_interrupted then says
            # so); one killed after it has recorded "done", so the job is never run again by mistake.
            with transaction.atomic():
                report = engine.import_table(
                    resource,
                    table,
                    update=job.update,
                    dry_run=job.dry_run,
                    user=job.user,
                    note=f"Imported in the admin from {job.filename}",
                    update_hint='tick "Update existing records" to update it',
                    progress=progress,
                )
                errors = report.error_rows()
                job.status, job.rows_total, job.finished_at = ImportJob.Status.DONE, report.rows, timezone.now()
                job.report = {
                    "summary": report.summary(),
                    "ok": report.ok,
                    "saved": report.saved,
                    "dry_run": report.dry_run,
                    "errors": errors[:MAX_REPORTED_ERRORS],
                    "more_errors": max(0, len(errors) - MAX_REPORTED_ERRORS),
                    "notes": report.notes,
                }
                job.save()
    except FileError as exc:
        job.status, job.report = ImportJob.Status.FAILED, {"file_error": str(exc)}
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        job.status = ImportJob.Status.FAILED
        job.report = {"file_error": "The import failed unexpectedly; nothing was imported. The log says why."}
        raise
    finally:
        progress.close()
        job.finished_at = timezone.now()
        job.file.delete(save=False)  # the report is what is kept
        job.save()
    return job.status


def import_jobs_mark_interrupted() -> int:
    """Mark failed the running jobs whose worker was killed (no heartbeat for IMPORT_JOB_STALE_MINUTES);
    returns how many.

    Nothing of theirs was imported: the import is one transaction, which the database rolls back when the
    killed worker's connection drops. Their file is kept so that `import_job_restart` can run them again.
    One conditional UPDATE: run from two pages at once, each job is marked once.
    """
    now = timezone.now()
    cutoff = now - timedelta(minutes=settings.IMPORT_JOB_STALE_MINUTES)
    stale = ImportJob.objects.filter(
        # A job started before the heartbeat existed (its migration) is judged by its start.
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff),
        status=ImportJob.Status.RUNNING,
    )
    # Read first: on SQLite even an UPDATE of no row waits for the running import's write lock.
    if not stale.exists():
        return 0
    return stale.update(
        status=ImportJob.Status.FAILED,
        finished_at=now,
        report={"file_error": INTERRUPTED, "interrupted": True},
    )


@transaction.atomic
def import_job_restart(*, job, user) -> ImportJob:
    """Queue an interrupted job's file again, as a new job of `user` (the old one stays, failed)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not (job.status == ImportJob.Status.FAILED and job.interrupted and job.file):
        raise InvalidInput(f"The import of {job.filename} was not interrupted, or its file is gone: import it again")
    again = ImportJob.objects.create(
        resource=job.resource,
        filename=job.filename,
        file=job.file.name,  # the new job takes the stored file over
        format=job.format,
        update=job.update,
        dry_run=job.dry_run,
        user=user,
    )
    job.file = ""
    job.save(update_fields=["file"])
    transaction.on_commit(lambda: tasks.run_import.enqueue(job_id=again.pk), robust=True)
    return again


def import_jobs_prune(*, older_than_days: int) -> int:
    """Delete the finished jobs (done or failed) that finished more than `older_than_days` ago, and any file
    they kept; never a queued or running one. Interrupted jobs are marked first, so they are pruned in turn.
    Returns how many jobs were deleted."""
    import_jobs_mark_interrupted()
    cutoff = timezone.now() - timedelta(days=older_than_days)
    old = ImportJob.objects.filter(
        status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED], finished_at__lt=cutoff
    ).order_by()
    for job in old.exclude(file="").iterator():
        job.file.delete(save=False)  # an interrupted job's upload (a finished one's is gone already)
    deleted, _ = old.delete()
    return deleted
