"""Browser tests: the portal served by uvicorn on a free port, driven in Debian's headless Chromium.

Selenium drives ``/usr/bin/chromium`` through ``/usr/bin/chromedriver`` (both from Debian, the same
build; Selenium Manager never downloads anything). Outside CI the tests skip when Chromium is
absent; under ``CI=true`` they fail (``.ci/run`` installs it with ``scripts/ensure-chromium.sh``).
Screenshots of each page go to ``TEACHFLOW_SCREENSHOTS_DIR`` when it is set (``docs/screenshots``
for the README), else to the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI

CHROMIUM = os.environ.get("TEACHFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TEACHFLOW_CHROMEDRIVER", "/usr/bin/chromedriver")


def _require_chromium() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (Path(p).exists() or shutil.which(p))]
    if missing:
        message = f"Chromium for the browser tests is missing: {', '.join(missing)} (scripts/ensure-chromium.sh)"
        if IN_CI:
            pytest.fail(message + " (under CI=true a browser test may not skip)")
        pytest.skip(message)


@pytest.fixture
def browser(tmp_path) -> Iterator:
    _require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--lang=zh-CN",
        "--window-size=1280,900",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def serve():
    """``serve(app)`` -> base URL of the app served by uvicorn on a free loopback port (stopped after)."""
    import uvicorn

    servers = []

    def start(app) -> str:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        servers.append((server, thread, sock))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread, sock in servers:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    target = os.environ.get("TEACHFLOW_SCREENSHOTS_DIR")
    folder = Path(target) if target else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
