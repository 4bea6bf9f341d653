"""What a newcomer types works as written: manage.py without a key, the development .env, `/`, the API index."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import Role

ROOT = Path(settings.BASE_DIR)


def python(code, *, env_file="", **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "EMAIL_URL")}
    environment.update(DJANGO_SETTINGS_MODULE="stocky.settings", ENV_FILE=env_file, **env)
    return subprocess.run(
        [sys.executable, *code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_manage_py_without_a_secret_key_says_what_to_do_in_one_line_not_a_traceback():
    result = python(["manage.py", "check"])

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "Configuration error: SECRET_KEY is not set. For development, run `make run` once (it writes a .env "
        "with DEBUG=1 and a generated key) or put DEBUG=1 in .env; in production set SECRET_KEY in the environment."
    ]


def test_the_development_env_file_that_make_run_writes_is_read_by_manage_py(tmp_path):
    # What the Makefile's .env target writes: the README's `.venv/bin/python manage.py ...` then just works.
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=1\nSECRET_KEY=a-generated-development-key-of-some-length-0123456789\n")

    result = python(["manage.py", "check"], env_file=str(env_file))

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_tests_read_no_developers_env_file():
    # conftest.py sets ENV_FILE= for this process and those it starts; pytest itself never reads .env.
    assert os.environ["ENV_FILE"] == "" and settings.DEBUG is False


@pytest.mark.parametrize(
    ("url", "path"),
    [("filemail:///var/tmp/stocky-mail", "/var/tmp/stocky-mail"), ("filemail://sent_mail", "sent_mail")],
)
def test_filemail_writes_to_the_path_as_written(url, path):
    code = "import django; django.setup(); from django.conf import settings as s; print(s.EMAIL_FILE_PATH)"
    result = python(["-c", code], DEBUG="1", EMAIL_URL=url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == path


@pytest.mark.django_db
def test_root_sends_staff_to_the_admin_home_and_anyone_else_to_the_log_in_page(admin_client_for, make_user):
    from django.test import Client

    for role in (Role.ADMIN, Role.MANAGER):
        response = admin_client_for(role).get("/")
        assert response.status_code == 302 and response["Location"] == "/admin/"

    assert Client().get("/")["Location"] == "/admin/login/?next=/admin/"
    api_only = Client()
    api_only.force_login(make_user(Role.USER))
    assert api_only.get("/")["Location"] == "/admin/login/?next=/admin/"


@pytest.mark.django_db
def test_the_api_index_names_its_documentation_which_answers(anon):
    body = json.loads(anon.get("/api/v1/").content)

    assert body["docs"] == "/api/v1/docs/" and body["schema"] == "/api/v1/schema/"
    assert anon.get(body["docs"]).status_code == 200
