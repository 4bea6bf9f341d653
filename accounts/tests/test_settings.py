"""The accounts settings come from the environment (.env.example documents each)."""

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "access": settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds(),
    "refresh": settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].total_seconds(),
    "rotate": settings.SIMPLE_JWT["ROTATE_REFRESH_TOKENS"] and settings.SIMPLE_JWT["BLACKLIST_AFTER_ROTATION"],
    "ttl": settings.INVITATION_TTL_HOURS,
    "tasks": settings.TASKS["default"]["BACKEND"],
    "rates": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
    "retries": settings.INVITATION_EMAIL_MAX_RETRIES,
    "email": settings.EMAIL_BACKEND,
}))
"""


def probe(**env):
    root = Path(__file__).resolve().parents[2]
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "stocky.settings", "DEBUG": "1", **env}
    output = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=root, env=environment, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_defaults_and_environment_overrides():
    defaults = probe()
    assert defaults["access"] == 15 * 60 and defaults["refresh"] == 7 * 86400 and defaults["rotate"]
    assert defaults["ttl"] == 72 and defaults["retries"] == 5
    assert defaults["tasks"] == "django_tasks.backends.immediate.ImmediateBackend"

    custom = probe(
        JWT_ACCESS_TOKEN_MINUTES="5",
        JWT_REFRESH_TOKEN_DAYS="1",
        INVITATION_TTL_HOURS="24",
        TASKS_BACKEND="database",
        THROTTLE_AUTH_IP_RATE="7/min",
        THROTTLE_AUTH_ACCOUNT_RATE="3/hour",
        EMAIL_URL="filemail:///tmp/stocky-mail",
    )
    assert custom["access"] == 300 and custom["refresh"] == 86400 and custom["ttl"] == 24
    assert custom["tasks"] == "django_tasks_db.DatabaseBackend"
    assert custom["rates"] == {"auth_ip": "7/min", "auth_account": "3/hour"}
    assert custom["email"] == "django.core.mail.backends.filebased.EmailBackend"
