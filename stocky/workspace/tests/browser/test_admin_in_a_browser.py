"""The staff's workspace in a real browser: Debian's Chromium, driven by Selenium through chromium-driver.

A Manager logs in on the freshly seeded demo, reads the home page, opens a material's page and its chart,
completes a production run with what it produced, and reads the ledger, plans and orders lists. Every page
is saved as a screenshot at 1280 px (BROWSER_ARTIFACTS, default browser-artifacts/, git-ignored); no request
may leave the machine and no column of those lists may be cut off.

Run with `make test-browser` (which installs chromium and chromium-driver when they are missing); `make test`
leaves these out (pytest.ini: -m "not browser").
"""

import json
import os
import shutil
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command

from inventory.models import FinishedProduct
from inventory.services import stock_change
from production.models import PlanStatus, ProductionPlan
from stocky.demo import data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
WIDTH, HEIGHT = 1280, 900
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", Path(settings.BASE_DIR) / "browser-artifacts"))
# Is any column of the list's table wider than what shows (cut off, or hidden behind a scroll bar)?
CLIPPED_COLUMNS = """
const table = document.getElementById('result_list');
if (!table) return ['no list on the page'];
const box = table.closest('.overflow-x-auto') || table.parentElement;
const cut = [];
if (table.scrollWidth > box.clientWidth + 1) cut.push(`table ${table.scrollWidth}px in ${box.clientWidth}px`);
for (const cell of table.querySelectorAll('th, td')) {
  if (cell.scrollWidth > cell.clientWidth + 1) cut.push(`${cell.innerText.trim().slice(0, 30)}`);
}
return cut;
"""


@pytest.fixture
def browser():
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail(f"{CHROMIUM} and {CHROMEDRIVER} are needed: `make test-browser` installs them (apt-get)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        f"--window-size={WIDTH},{HEIGHT}",
        # Nothing outside this machine resolves: a page that reached for the internet would fail visibly,
        # and the network log below names it.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    driver.requested = []  # every URL the pages asked for, read from the performance log
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def requests_made(driver):
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            driver.requested.append(message["params"]["request"]["url"])
    return driver.requested


def screenshot(driver, name):
    """The whole page at 1280 px wide, as test artefact `<name>.png`."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTH, min(max(height, HEIGHT), 4000))
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    driver.set_window_size(WIDTH, HEIGHT)


def wait_for(driver, condition, what, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds} s for {what}; at {driver.current_url}")


def test_a_manager_works_through_the_day_in_a_real_browser(live_server, browser, tmp_path, settings):
    from selenium.webdriver.common.by import By

    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", "--no-input", stdout=open(os.devnull, "w"))
    manager = data.USERS[1]
    # Today's first open run, with its materials topped up so that completing it succeeds.
    run = (
        ProductionPlan.objects.filter(status__in=[PlanStatus.PLANNED, PlanStatus.IN_PROGRESS])
        .order_by("planned_production_date", "pk")
        .select_related("finished_product")
        .first()
    )
    for item in run.finished_product.recipe_items.select_related("raw_product"):
        stock_change(item=item.raw_product, delta=Decimal(1000), reason="receipt")
    browser.get(f"{live_server.url}/")

    # `/` sends someone not signed in to the log-in page.
    assert "/admin/login/" in browser.current_url
    browser.find_element(By.NAME, "username").send_keys(manager.email)
    browser.find_element(By.NAME, "password").send_keys(manager.password)
    screenshot(browser, "01-log-in")
    browser.find_element(By.CSS_SELECTOR, "[type=submit]").click()
    wait_for(browser, lambda: browser.current_url.endswith("/admin/"), "the home page")

    # The home page: at least one low material, today's runs, and the charts.
    low = browser.find_elements(By.CSS_SELECTOR, "#panel-1 li a")
    assert low, "no material below its reorder level on the demo's home"
    assert "Today's production runs" in browser.page_source
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.stocky-chart rect")) >= 12
    screenshot(browser, "02-home")

    # A material's page and its chart, with the reorder level drawn.
    material = low[0].text
    low[0].click()
    wait_for(browser, lambda: "/admin/inventory/rawproduct/" in browser.current_url, "the material's page")
    picture = browser.find_element(By.ID, "stock-picture")
    assert picture.find_elements(By.CSS_SELECTOR, "polyline.stock-line")
    assert picture.find_elements(By.CSS_SELECTOR, "line.reorder-level")
    assert material in browser.title
    browser.execute_script("arguments[0].scrollIntoView()", picture)
    screenshot(browser, "03-material-page")

    # A finished product's page: stock and unit cost.
    browser.get(f"{live_server.url}/admin/inventory/finishedproduct/{run.finished_product_id}/change/")
    assert browser.find_element(By.ID, "cost-picture").text.startswith("Unit cost:")
    screenshot(browser, "04-product-page")

    # The croissant's page: its dough component and what its label must declare (SPEC E), through two levels.
    croissant = FinishedProduct.objects.get(name="Croissant au beurre")
    browser.get(f"{live_server.url}/admin/inventory/finishedproduct/{croissant.pk}/change/")
    panel = browser.find_element(By.CLASS_NAME, "declaration-panel")
    assert "gluten" in panel.text and "milk" in panel.text, panel.text
    assert "Ingredients:" in panel.text and "per 100 g" in panel.text
    components = browser.find_element(By.ID, "recipe_components-group")
    assert data.DOUGH in components.get_attribute("innerHTML")
    browser.execute_script("arguments[0].scrollIntoView()", panel)
    screenshot(browser, "04b-declaration")

    # Complete a run with what it produced, through its page's "Complete…" button.
    browser.get(f"{live_server.url}/admin/production/productionplan/{run.pk}/change/")
    button = browser.find_element(By.CSS_SELECTOR, f"a[href$='/productionplan/{run.pk}/complete/']")
    assert "Complete…" in button.text
    button.click()
    produced = run.planned_quantity + 1
    field = browser.find_element(By.NAME, "produced_quantity")
    field.clear()
    field.send_keys(str(produced.normalize()))
    duration = browser.find_element(By.NAME, "actual_duration")
    duration.clear()
    duration.send_keys("2.75")
    screenshot(browser, "05-complete-form")
    browser.find_element(By.CSS_SELECTOR, "#complete-form [type=submit]").click()
    wait_for(browser, lambda: browser.current_url.endswith(f"/productionplan/{run.pk}/change/"), "the plan's page")
    assert "completed" in browser.page_source
    run.refresh_from_db()
    assert (run.status, run.produced_quantity, run.actual_duration) == ("completed", produced, Decimal("2.75"))
    assert not browser.find_elements(By.CSS_SELECTOR, "a[href$='/delete/']")
    screenshot(browser, "06-completed-plan")

    # The lists staff read most: every column shows whole at 1280 px.
    for name, path in [
        ("07-ledger", "/admin/inventory/stockmovement/"),
        ("08-plans", "/admin/production/productionplan/"),
        ("09-sales-orders", "/admin/orders/finishedproductorder/"),
        ("10-purchase-orders", "/admin/orders/rawproductorder/"),
        ("11-requirements", "/admin/production/productionplan/requirements/"),
    ]:
        browser.get(f"{live_server.url}{path}")
        if "requirements" not in path:
            assert browser.execute_script(CLIPPED_COLUMNS) == [], f"{path} cuts off columns at {WIDTH} px"
        screenshot(browser, name)

    # Not one request left the machine.
    here = urlsplit(live_server.url).netloc
    elsewhere = [url for url in requests_made(browser) if urlsplit(url).scheme in ("http", "https", "ws", "wss")]
    elsewhere = [url for url in elsewhere if urlsplit(url).netloc != here]
    assert requests_made(browser) and elsewhere == []
