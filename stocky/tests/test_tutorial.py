"""docs/tutorial.md works as written: its curl steps, run in order against a live server after
`seed_demo --reset`, answer what the page shows.

Each ```sh block runs in one bash session; the ```json blocks after it are what it printed when the page was
written. Every `"key": value` figure of those is looked for in what the block prints now, except what the page
says will differ: ids, dates, times and tokens, and the demo's own stock levels (which follow the day it was
seeded) unless the line is about the tutorial's own pralines and tart. A block under a
`<!-- tutorial-test: ... -->` comment reads the demo's history: it must run, its figures are not compared.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

TUTORIAL = Path(settings.BASE_DIR) / "docs" / "tutorial.md"
BLOCK = re.compile(r"(<!-- tutorial-test:[^>]*-->\n)?```(sh|json)\n(.*?)```", re.S)
PAIR = re.compile(r'"(\w+)"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|null|true|false)')
SERVER_LINE = "BASE=http://127.0.0.1:8000/api/v1"

VOLATILE = {
    "accessToken",
    "refreshToken",
    "createdAt",
    "created_at",
    "updated_at",
    "ordered_at",
    "started_at",
    "completed_at",
    "planned_production_date",
    "expected_delivery_date",
    "from",
    "to",
}
# The demo's stock on the day it is seeded; the tutorial's own items start from nothing, so theirs are checked.
DEMO_STOCK = {"stock_quantity", "on_hand", "on_order", "balance_after"}
OWN_ITEMS = ("Pralines roses", "Tarte aux pralines")


def steps():
    """[(shell text, [expected json texts], compare)] in the page's order."""
    found = []
    for marker, kind, text in BLOCK.findall(TUTORIAL.read_text()):
        if kind == "sh":
            found.append((text, [], not marker))
        elif found:
            found[-1][1].append(text)
    return found


def figures(text):
    """The comparable `(key, value)` pairs of some JSON text, pretty or compact."""
    pairs = set()
    for line in text.splitlines():
        for key, value in PAIR.findall(line):
            if key in VOLATILE or key == "id" or key.endswith("_id"):
                continue
            if key in DEMO_STOCK and not any(name in line for name in OWN_ITEMS):
                continue
            if key == "message":  # messages name ids and dates: compare their words
                value = re.sub(r"\d+", "N", re.sub(r"\d{4}-\d{2}-\d{2}", "DATE", value))
            pairs.add((key, value))
    return pairs


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="the tutorial uses curl and jq")
@pytest.mark.django_db(transaction=True)
def test_the_tutorial_runs_as_written_against_a_freshly_seeded_demo(live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", "--reset", "--no-input", stdout=open("/dev/null", "w"))
    page = steps()
    assert page[0][0].strip() == SERVER_LINE, "the first step names the server: the test replaces it"

    script = ["set -eo pipefail"]
    for number, (shell, _expected, _compare) in enumerate(page):
        script += [f"echo '@@@ step {number}'", shell.replace(SERVER_LINE, f"BASE={live_server.url}/api/v1")]
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    printed = re.split(r"^@@@ step \d+\n", result.stdout, flags=re.M)[1:]
    assert len(printed) == len(page)

    checked = 0
    for (shell, expected, compare), output in zip(page, printed, strict=True):
        if expected:
            assert output.strip(), f"step printed nothing:\n{shell}"
        if not compare:
            continue
        wanted = set().union(*(figures(text) for text in expected)) if expected else set()
        missing = wanted - figures(output)
        assert not missing, f"the page shows {sorted(missing)} for\n{shell}\nbut it printed\n{output}"
        checked += len(wanted)
    # The comparison has teeth: the page's figures are many, and each was found.
    assert checked > 150
