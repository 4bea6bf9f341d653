"""A real `db_worker` process killed with SIGKILL in the middle of an admin import (issue 16): nothing of the
file is kept, the job is recovered as interrupted, and running it again imports the whole file.

Runs manage.py in subprocesses on a SQLite file database of its own (not the test database, which the
subprocesses could not see), reading that file directly between the steps."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ROWS = 20_000

START = f"""
from django.core.files.uploadedfile import SimpleUploadedFile
from accounts.models import Role, User
from stocky.exchange import jobs
user = User.objects.create_user(email="manager@example.com", username="manager", password="x", role=Role.MANAGER)
rows = "".join(f"Material {{n}},{{n % 50}}.125,kg\\n" for n in range({ROWS}))
upload = SimpleUploadedFile("materials.csv", ("name,stock_quantity,unit_of_measure\\n" + rows).encode())
jobs.import_job_start(resource="raw-products", upload=upload, fmt="csv", update=False, dry_run=False, user=user)
"""

RECOVER_AND_RESTART = """
from accounts.models import User
from stocky.exchange import jobs
from stocky.exchange.models import ImportJob
print("interrupted", jobs.import_jobs_mark_interrupted())
job = ImportJob.objects.get()
print("report", job.report["file_error"])
jobs.import_job_restart(job=job, user=User.objects.get())
"""


@pytest.fixture
def project(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "TASKS_BACKEND": "database",
        "DEBUG": "false",
        "SECRET_KEY": "killed-worker-test-" + "x" * 40,
    }

    def manage(*args, **kwargs):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env={**env, **kwargs}, capture_output=True, text=True
        )

    def worker():
        return subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--interval", "0.1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def query(sql):
        with sqlite3.connect(tmp_path / "db.sqlite3") as db:
            return db.execute(sql).fetchall()

    result = manage("migrate", "--verbosity", "0")
    assert result.returncode == 0, result.stderr
    return manage, worker, query, tmp_path


def test_an_import_whose_worker_is_killed_keeps_nothing_and_runs_again_whole(project):
    manage, worker, query, tmp_path = project
    result = manage("shell", "-c", START)
    assert result.returncode == 0, result.stderr

    process = worker()
    try:
        # Killed once it is importing: running, the rows counted, the transaction open.
        for _ in range(3000):
            if query("SELECT status, rows_total FROM exchange_importjob") == [("running", ROWS)]:
                break
            assert process.poll() is None, "the worker ended before it was killed"
            time.sleep(0.01)
        else:
            pytest.fail("the import never started")
        time.sleep(0.3)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert query("SELECT status FROM exchange_importjob") == [("running",)], "the killed import says nothing"
    assert query("SELECT COUNT(*) FROM inventory_rawproduct") == [(0,)], "nothing of the file was kept"
    assert query("SELECT COUNT(*) FROM inventory_stockmovement") == [(0,)]
    (upload,) = query("SELECT file FROM exchange_importjob")[0]
    assert (tmp_path / "media" / upload).exists(), "the file waits to run again"

    result = manage("shell", "-c", RECOVER_AND_RESTART, IMPORT_JOB_STALE_MINUTES="0")
    assert result.returncode == 0, result.stderr
    assert "interrupted 1" in result.stdout and "Nothing was imported" in result.stdout

    process = worker()
    assert process.wait(timeout=300) == 0
    assert query("SELECT status, rows_done FROM exchange_importjob ORDER BY id") == [
        ("failed", 0),
        ("done", ROWS),
    ]
    assert query("SELECT COUNT(*) FROM inventory_rawproduct") == [(ROWS,)]
    assert not (tmp_path / "media" / upload).exists(), "deleted once imported, as any job's"
