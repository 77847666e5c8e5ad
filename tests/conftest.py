"""Fixtures for what a test truly needs beyond the package: each test that asks for one
skips only itself when it is missing (and on CI, which installs everything, the
repository's conftest turns that skip into a failure)."""

import os
import shutil
import tempfile

import pytest


@pytest.fixture(scope="session")
def torch():
    """PyTorch (a test dependency: `make test` installs it), for the tests that compare
    against it; session-scoped so hypothesis tests may use it too."""
    return pytest.importorskip("torch")


@pytest.fixture
def browser():
    """A headless Debian chromium driven by selenium, quit after the test."""
    chrome = shutil.which("chromium") or "/usr/bin/chromium"
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (os.path.exists(chrome) and os.path.exists(driver)):
        pytest.skip("Debian's chromium and chromium-driver are not installed "
                    "(`make test` installs them as root)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chrome
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--window-size=1200,900",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-')}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(driver), options=opts)
    yield d
    d.quit()
