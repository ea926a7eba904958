"""A county clerk's month in a real browser: log in, upload a file with mistakes, read the problems
in Chinese, submit the corrected file, see it accepted after ``teachflow ingest``, download the
feedback; the clerk of another county cannot see any of it; city staff see every county."""

from __future__ import annotations

import time
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from teachflow import calendar
from teachflow.cli import main
from teachflow.digest import run_daily_digest
from teachflow.portal.app import create_app
from tests.citykit import NORTH, S1
from tests.portal.portalkit import PASSWORD, make_city, roster_csv, teacher_row


def _shot(driver, folder: Path, name: str) -> None:
    """A whole-page screenshot (Chromium's DevTools capture beyond the window's height)."""
    import base64

    width, height = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 4000), "scale": 1},
        },
    )
    (folder / name).write_bytes(base64.b64decode(shot["data"]))


def _find(driver, by: str, what: str):
    """The element once the page that holds it has loaded (a click's navigation may still be under way)."""
    return WebDriverWait(driver, 20).until(ec.presence_of_element_located((by, what)))


def _login(driver, base: str, username: str) -> None:
    driver.get(f"{base}/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login").click()
    WebDriverWait(driver, 20).until(lambda d: "/login" not in d.current_url)


def _logout(driver) -> None:
    driver.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
    WebDriverWait(driver, 20).until(lambda d: "/login" in d.current_url)


def _upload(driver, base: str, period: str, path: Path) -> None:
    driver.get(f"{base}/county/{NORTH}/upload")
    Select(driver.find_element(By.ID, "period")).select_by_value(period)
    Select(driver.find_element(By.ID, "dataset")).select_by_value("teachers")
    driver.find_element(By.ID, "file").send_keys(str(path))
    driver.find_element(By.ID, "check").click()


def test_a_clerk_month_in_the_browser(browser, serve, shots, sqlite_database, tmp_path, monkeypatch):
    from teachflow.warehouse.engine import make_engine
    from teachflow.warehouse.migrate import upgrade

    upgrade(sqlite_database)
    engine = make_engine(sqlite_database)
    settings = make_city(engine, sqlite_database, tmp_path)
    lists = settings.outbox / NORTH / "lists"
    lists.mkdir(parents=True)
    (lists / "逾期未返名单_2026-10.xlsx").write_bytes(b"PK\x03\x04")
    base = serve(create_app(settings))
    period = calendar.previous_period(calendar.today_local())  # the month being collected now

    driver = browser
    driver.get(f"{base}/county/{NORTH}")
    assert driver.current_url.startswith(f"{base}/login")  # nothing without a login
    _shot(driver, shots, "01-login.png")
    _login(driver, base, "north")
    assert driver.current_url == f"{base}/county/{NORTH}"

    mistakes = tmp_path / "教师名册_有错误.csv"
    mistakes.write_bytes(roster_csv(teacher_row(1), teacher_row(2, tier="特级"), teacher_row(3, since="2015年13月1日")))
    _upload(driver, base, period, mistakes)
    verdict = _find(driver, By.ID, "verdict").text
    assert "整个文件退回" in verdict
    problems = driver.find_element(By.ID, "problems").text
    assert "骨干层级" in problems and "特级" in problems and "不是有效选项" in problems
    assert "任现校起始日期" in problems or "2015年13月1日" in problems
    assert not driver.find_elements(By.ID, "submit")
    _shot(driver, shots, "03-upload-problems.png")

    corrected = tmp_path / "教师名册.csv"
    corrected.write_bytes(roster_csv(teacher_row(1), teacher_row(2), teacher_row(3)))
    _upload(driver, base, period, corrected)
    assert "可以入库" in _find(driver, By.ID, "verdict").text
    _shot(driver, shots, "04-upload-ok.png")
    driver.find_element(By.ID, "submit").click()
    assert f"报送（{NORTH}/{period}/teachers.csv）" in _find(driver, By.ID, "submitted").text
    _shot(driver, shots, "05-submitted.png")

    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", sqlite_database)
    assert main(["ingest", "--quiet-seconds", "0"]) == 0
    run_daily_digest(engine, settings.outbox, now=calendar.now_utc(), portal_url=base)

    driver.get(f"{base}/county/{NORTH}")
    cell = driver.find_element(By.CSS_SELECTOR, f'td[data-period="{period}"][data-dataset="teachers"]')
    assert cell.get_attribute("data-status") == "accepted" and "已入库" in cell.text
    assert "每日报送情况" in driver.find_element(By.ID, "digest").text
    _shot(driver, shots, "02-county.png")
    cell.find_element(By.LINK_TEXT, "XLSX").click()
    downloaded = _wait_for_download(driver.downloads)
    assert downloaded.name.endswith("_反馈.xlsx") and downloaded.read_bytes().startswith(b"PK")
    _logout(driver)

    _login(driver, base, "south")
    for url in (f"/county/{NORTH}", f"/county/{NORTH}/feedback/{period}/teachers.xlsx", f"/county/{NORTH}/upload"):
        driver.get(base + url)
        assert "您" in driver.find_element(By.TAG_NAME, "h1").find_element(By.XPATH, "..").text  # the 403 page
        assert "城中区" not in driver.page_source
    _shot(driver, shots, "07-other-county-forbidden.png")
    driver.get(f"{base}/county/{NORTH}")
    _logout(driver)

    _login(driver, base, "city")
    assert driver.current_url == f"{base}/city"
    rows = driver.find_elements(By.CSS_SELECTOR, "#city-grid tbody tr")
    assert rows[0].get_attribute("data-status") == "missing"  # what needs action first
    assert any(r.get_attribute("data-county") == NORTH and r.get_attribute("data-status") == "accepted" for r in rows)
    assert "全市每日报送情况" in driver.find_element(By.ID, "digest").text
    _shot(driver, shots, "06-city.png")
    assert S1  # the south county's school exists; its clerk saw nothing of the north


def _wait_for_download(folder: Path, timeout: float = 20) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if not p.name.startswith(".") and not p.name.endswith(".crdownload")]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"nothing downloaded into {folder}")
