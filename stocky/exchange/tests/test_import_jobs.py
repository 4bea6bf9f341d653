"""The admin's list of import jobs, their pruning, and jobs whose worker was killed (issue 16)."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from inventory.models import RawProduct
from stocky.exchange import jobs
from stocky.exchange.models import ImportJob

pytestmark = pytest.mark.django_db

LIST = "/admin/exchange/importjob/"
MATERIALS = "/admin/inventory/rawproduct/import/"
CSV = "name,stock_quantity,unit_of_measure\nFlour,12.5,kg\nSalt,0,kg\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def make_job(
    user, *, status=ImportJob.Status.DONE, resource="raw-products", filename="materials.csv", with_file=False, **fields
):
    job = ImportJob(resource=resource, filename=filename, format="csv", user=user, status=status, **fields)
    if with_file or status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        job.file.save("x/upload.csv", ContentFile(CSV.encode()), save=False)
    job.save()
    return job


def killed_mid_import(user, minutes_ago=30):
    """A job as a worker killed mid-import leaves it: running, its file still stored, its heartbeat old."""
    long_ago = timezone.now() - timedelta(minutes=minutes_ago)
    return make_job(user, status=ImportJob.Status.RUNNING, started_at=long_ago, heartbeat_at=long_ago, rows_total=2)


# --- The list -------------------------------------------------------------------------------------------


def test_a_manager_lists_their_own_jobs_with_a_link_to_each_report_and_an_admin_lists_everyones(admin_client_for):
    manager, other, admin_ = (admin_client_for(role) for role in (Role.MANAGER, Role.MANAGER, Role.ADMIN))
    mine = make_job(manager.user, filename="mine.csv", rows_done=2, rows_total=2, report={"ok": True})
    theirs = make_job(other.user, filename="theirs.csv", resource="suppliers")

    page = manager.get(LIST).content.decode()
    assert "mine.csv" in page and "theirs.csv" not in page
    assert f'href="/admin/inventory/rawproduct/import/{mine.pk}/">Report</a>' in page
    assert "2 of 2" in page
    assert manager.get(f"{LIST}{theirs.pk}/change/").status_code == 302  # not theirs to see: back to the list

    page = admin_.get(LIST).content.decode()
    assert "mine.csv" in page and "theirs.csv" in page
    # The link works for the Admin too: they may read any job's report.
    assert admin_.get(f"/admin/inventory/supplier/import/{theirs.pk}/").status_code == 200
    assert manager.get(f"/admin/inventory/supplier/import/{theirs.pk}/").status_code == 404


def test_the_list_filters_by_status_and_resource_searches_file_names_and_changes_nothing(admin_client):
    user = admin_client.get("/admin/").wsgi_request.user
    make_job(user, filename="spring-materials.csv")
    make_job(user, filename="autumn-materials.csv", status=ImportJob.Status.FAILED)
    make_job(user, filename="suppliers.csv", resource="suppliers")

    def names(query):
        page = admin_client.get(f"{LIST}?{query}").content.decode()
        return {name for name in ("spring-materials", "autumn-materials", "suppliers.csv") if name in page}

    assert names("status__exact=failed") == {"autumn-materials"}
    assert names("resource__exact=suppliers") == {"suppliers.csv"}
    assert names("q=spring") == {"spring-materials"}
    page = admin_client.get(LIST).content.decode()
    assert f'href="{LIST}add/"' not in page
    job = ImportJob.objects.first()
    assert admin_client.post(f"{LIST}{job.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ImportJob.objects.count() == 3


def test_who_may_not_import_in_the_admin_sees_no_jobs(admin_client_for, make_user, client):
    staff = admin_client_for(Role.MANAGER)
    make_job(staff.user)
    client.force_login(make_user(Role.USER))  # not staff: no admin at all
    assert client.get(LIST).status_code == 302


# --- Killed workers --------------------------------------------------------------------------------------


def test_a_job_whose_worker_was_killed_shows_as_interrupted_and_runs_again(
    admin_client_for, django_capture_on_commit_callbacks
):
    manager = admin_client_for(Role.MANAGER)
    job = killed_mid_import(manager.user)
    page = manager.get(f"{MATERIALS}{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.finished_at and job.file
    assert "Nothing imported from materials.csv: The import was interrupted" in page
    assert "http-equiv" not in page, "no spinner"
    assert 'name="restart"' in page
    assert "interrupted, nothing imported" in manager.get(LIST).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(f"{MATERIALS}{job.pk}/", {"restart": "1"})
    again = ImportJob.objects.exclude(pk=job.pk).get()
    assert response["Location"] == f"{MATERIALS}{again.pk}/"
    assert again.status == ImportJob.Status.DONE and again.user == manager.user
    assert set(RawProduct.objects.values_list("name", flat=True)) == {"Flour", "Salt"}
    job.refresh_from_db()
    assert not job.file and not again.file, "the new job took the file over, then deleted it as usual"
    # Once is enough: the old job has no file left to run.
    page = manager.get(f"{MATERIALS}{job.pk}/").content.decode()
    assert 'name="restart"' not in page
    assert manager.post(f"{MATERIALS}{job.pk}/", {"restart": "1"}).status_code == 302
    assert ImportJob.objects.count() == 2


def test_a_running_job_with_a_recent_heartbeat_is_left_running(admin_client_for, settings):
    settings.IMPORT_JOB_STALE_MINUTES = 10
    manager = admin_client_for(Role.MANAGER)
    alive = killed_mid_import(manager.user, minutes_ago=9)
    page = manager.get(f"{MATERIALS}{alive.pk}/").content.decode()
    alive.refresh_from_db()
    assert alive.status == ImportJob.Status.RUNNING and "Running" in page and "http-equiv" in page
    assert 'name="restart"' not in page
    assert manager.post(f"{MATERIALS}{alive.pk}/", {"restart": "1"}).status_code == 302
    assert ImportJob.objects.count() == 1, "a running job is not started twice"


def test_a_job_killed_before_heartbeats_existed_is_judged_by_its_start(admin_client_for):
    manager = admin_client_for(Role.MANAGER)
    job = killed_mid_import(manager.user)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=None)
    assert "interrupted, nothing imported" in manager.get(LIST).content.decode()


def test_the_worker_records_its_heartbeat_as_it_starts(admin_client_for, django_capture_on_commit_callbacks):
    manager = admin_client_for(Role.MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(MATERIALS, {"file": SimpleUploadedFile("materials.csv", CSV.encode())})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE and job.started_at <= job.heartbeat_at <= job.finished_at


# --- Pruning ---------------------------------------------------------------------------------------------


def test_prune_deletes_finished_jobs_older_than_the_setting_with_their_files_never_a_queued_or_running_one(
    make_user, settings, media
):
    settings.IMPORT_JOBS_KEEP_DAYS = 30
    user = make_user(Role.MANAGER)
    old = timezone.now() - timedelta(days=31)
    done_old = make_job(user, finished_at=old)
    failed_old = make_job(user, status=ImportJob.Status.FAILED, finished_at=old, with_file=True)
    done_recent = make_job(user, finished_at=timezone.now() - timedelta(days=29))
    queued = make_job(user, status=ImportJob.Status.QUEUED)
    ImportJob.objects.filter(pk=queued.pk).update(created_at=old)
    running = make_job(user, status=ImportJob.Status.RUNNING, started_at=old, heartbeat_at=timezone.now())
    killed = killed_mid_import(user)
    kept_file = media / failed_old.file.name
    assert kept_file.exists()

    call_command("prune_import_jobs")
    assert set(ImportJob.objects.values_list("pk", flat=True)) == {done_recent.pk, queued.pk, running.pk, killed.pk}
    assert not kept_file.exists()
    assert {done_old.pk, failed_old.pk}.isdisjoint(ImportJob.objects.values_list("pk", flat=True))
    killed.refresh_from_db()
    assert killed.status == ImportJob.Status.FAILED, "marked interrupted, kept until it is as old"

    killed_file = media / killed.file.name
    call_command("prune_import_jobs", older_than=0)
    assert set(ImportJob.objects.values_list("pk", flat=True)) == {queued.pk, running.pk}
    assert not killed_file.exists()
    with pytest.raises(CommandError):
        call_command("prune_import_jobs", older_than=-1)


def test_the_list_still_shows_a_job_of_a_resource_since_removed_without_a_link(admin_client):
    user = admin_client.get("/admin/").wsgi_request.user
    make_job(user, resource="no-longer-there")
    page = admin_client.get(LIST).content.decode()
    assert "no-longer-there" in page and "/import/" not in page.split('id="result_list"', 1)[1]


@pytest.mark.django_db(transaction=True)
def test_an_import_beats_as_its_rows_go_so_a_live_one_is_not_taken_for_interrupted(make_user, monkeypatch):
    """The heartbeat goes with the rows done, on the recorder's own connection (the import's transaction is
    invisible until it ends). Not on SQLite, which takes one writer at a time (there: at the start only)."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite: no second writer while the import's transaction is open")
    monkeypatch.setattr(jobs, "PROGRESS_EVERY_SECONDS", 0)
    job = make_job(make_user(Role.MANAGER), status=ImportJob.Status.RUNNING, heartbeat_at=timezone.now())
    recorder = jobs.ProgressRecorder(job)
    beats = []
    try:
        for _row in recorder(range(3), 3, "rows"):
            beats.append(ImportJob.objects.values_list("rows_done", "heartbeat_at").get())
    finally:
        recorder.close()
    # Each row seen by the reader: the count of the row before, and a newer heartbeat each time.
    assert [done for done, _ in beats] == [0, 1, 2]
    assert beats[0][1] < beats[1][1] < beats[2][1]
