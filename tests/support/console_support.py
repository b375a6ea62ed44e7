"""The web console in a real headless Chromium (Debian's chromium and chromedriver, installed by
`make install`), driven with Selenium: the browser, the steps the tests take, and axe-core's
accessibility check of a page. The `browser` and `console` fixtures are conftest's.

A screenshot of each page is saved under test-output/console/<test name>/ at the repository's
root (the folder is ignored by git), named after the step.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from axe_core_python.selenium import Axe
from PIL import Image
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import Select, WebDriverWait

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "console"
WAIT_S = 30


def chromium_paths() -> tuple[str, str]:
    browser = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        # Fails, never skips: `make install` installs them (the Makefile's chromium target).
        pytest.fail("chromium or chromedriver is missing: run `make install`", pytrace=False)
    return browser, driver


@pytest.fixture
def browser(request) -> Iterator[webdriver.Chrome]:
    """Chromium in the machine's time zone, or in the one a test gives as its parameter
    (`@pytest.mark.parametrize("browser", ["Asia/Seoul"], indirect=True)`): TZ is set in the
    environment of chromedriver, which starts the browser."""
    time_zone = getattr(request, "param", None)
    binary, driver_path = chromium_paths()
    options = Options()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1000",
        "--no-first-run",
        "--disable-background-networking",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    environment = {**os.environ, "TZ": time_zone} if time_zone else None
    service = Service(executable_path=driver_path, env=environment)
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()


class Console:
    """The console in the browser, with the steps the tests take."""

    def __init__(self, driver: webdriver.Chrome, base_url: str, folder: Path) -> None:
        self.driver = driver
        self.base_url = base_url
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def wait(self, condition, timeout: float = WAIT_S):
        try:
            return WebDriverWait(self.driver, timeout).until(condition)
        except TimeoutException:
            # What the page showed and what its scripts said, for whoever reads the failure.
            self.screenshot("timed-out")
            logs = [entry["message"] for entry in self.driver.get_log("browser")]
            raise AssertionError(
                f"timed out after {timeout} s; the page said: "
                f"{self.driver.find_element(By.TAG_NAME, 'main').text[:2000]!r}; "
                f"browser log: {logs}"
            ) from None

    def find(self, css: str, timeout: float = WAIT_S):
        return self.wait(seen.visibility_of_element_located((By.CSS_SELECTOR, css)), timeout)

    def text_in(self, css: str, text: str, timeout: float = WAIT_S) -> None:
        self.wait(seen.text_to_be_present_in_element((By.CSS_SELECTOR, css), text), timeout)

    def screenshot(self, name: str) -> None:
        self.driver.save_screenshot(str(self.folder / f"{name}.png"))

    def doc_screenshot(self, name: str, show: str | None = None) -> None:
        """A screenshot docs/console.md shows (docs/images/console/<name>.png), the element
        `show` (CSS) scrolled into the middle first: saved with the others, and written under
        docs/ too when `make docs-screenshots` runs the tests (PROMOCORE_DOC_SCREENSHOTS names
        the folder), made small: 960 pixels wide, 64 colours."""
        if show:
            self.driver.execute_script(
                "document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", show
            )
        self.screenshot(name)
        folder = os.environ.get("PROMOCORE_DOC_SCREENSHOTS")
        if folder:
            image = Image.open(self.folder / f"{name}.png").convert("RGB")
            image = image.resize((960, round(image.height * 960 / image.width)), Image.LANCZOS)
            small = image.quantize(colors=64, method=Image.Quantize.MEDIANCUT)
            Path(folder).mkdir(parents=True, exist_ok=True)
            small.save(Path(folder) / f"{name}.png", optimize=True)

    def go(self, fragment: str) -> None:
        self.driver.execute_script("location.hash = arguments[0]", fragment)

    def sign_in(self, key: str) -> None:
        self.driver.get(self.base_url)
        field = self.find("#api-key")
        field.send_keys(key)
        self.screenshot("01-sign-in")
        field.send_keys(Keys.ENTER)  # the keyboard signs in
        self.find("#nav a[href='#/campaigns']")

    def check_accessibility(self, name: str) -> None:
        """axe-core over the page as it is now: its results are saved beside the screenshots
        (axe-<name>.json) and a serious or critical violation fails the test, named."""
        results = Axe().run(self.driver)
        (self.folder / f"axe-{name}.json").write_bytes(
            orjson.dumps(
                {key: results[key] for key in ("url", "violations", "incomplete")},
                option=orjson.OPT_INDENT_2,
            )
        )
        blocking = [
            f"{violation['id']} ({violation['impact']}): {violation['help']} at "
            + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            for violation in results["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
        assert blocking == [], f"axe on {name}: " + "; ".join(blocking)

    def add_category_condition(self, category: str) -> None:
        """In the campaign form's rule builder, a second condition with the top group's
        + Condition: at least 1 unit of the items whose categories contain `category`."""
        rules = self.find("#rules-section")
        rules.find_elements(By.CSS_SELECTOR, "button.add-condition")[-1].click()

        def second():  # drawn again after every change
            return self.driver.find_elements(By.CSS_SELECTOR, "#rules-section .rule-condition")[1]

        Select(
            second().find_element(By.CSS_SELECTOR, "select[aria-label='Subject']")
        ).select_by_value("items.quantity")
        units = second().find_element(
            By.CSS_SELECTOR, "input[aria-label^='Units of matching items']"
        )
        units.send_keys("1")
        second().find_element(By.XPATH, ".//button[contains(., 'Only items where')]").click()
        self.find("#rules-section .rule-filter input[aria-label^='Categories contains']").send_keys(
            category
        )

    def console_errors(self) -> list[str]:
        return [
            entry["message"]
            for entry in self.driver.get_log("browser")
            if entry["level"] == "SEVERE" and "Failed to load resource" not in entry["message"]
        ]


@pytest.fixture
def console(browser, http_server, request) -> Console:
    folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.\[\]-]+", "-", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    return Console(browser, http_server.http.url, folder)
