"""Regenerate the README's screenshots (docs/screens/*.png): the interface as a county user sees it, in Chinese.

    .venv/bin/python tools/screens.py            # or: make screens

Builds a small demo (scale 0.01) in a temporary data directory, serves it, logs in as `qingchuan` (青川县, a
county office) in Debian's headless chromium, and saves the dashboard, a household, a monitoring case, a
project and the dashboard's map. Nothing of an existing database is touched. Needs chromium and
chromium-driver (apt) and fonts-noto-cjk for the Chinese text.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screens"
WIDTH, HEIGHT = 1280, 1100


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                 "--no-first-run", f"--window-size={WIDTH},{HEIGHT}", "--lang=zh-CN", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                              options=options)
    driver.set_page_load_timeout(60)
    return driver


def _shrink(path: Path) -> None:
    """A palette PNG: the screens are flat colours and text, so 256 colours keep them sharp at a fraction of the size."""
    from PIL import Image

    with Image.open(path) as im:
        im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def _first_link(driver, css: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css).get_attribute("href")


def shoot(base: str, user: str) -> list[Path]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    OUT.mkdir(parents=True, exist_ok=True)
    driver = _driver()
    saved = []

    def ready_dashboard():
        WebDriverWait(driver, 30).until(lambda d: d.execute_script(
            "return document.getElementById('dashboard').dataset.ready === '1'"))
        time.sleep(1.0)  # ECharts' entry animation

    def save(name: str, element=None) -> None:
        path = OUT / f"{name}.png"
        (element.screenshot if element is not None else driver.save_screenshot)(str(path))
        _shrink(path)
        saved.append(path)

    try:
        driver.get(base + "/accounts/login/")
        driver.find_element(By.NAME, "username").send_keys(user)
        driver.find_element(By.NAME, "password").send_keys("demo")
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        driver.add_cookie({"name": "django_language", "value": "zh-hans", "path": "/"})

        driver.get(base + "/assessment/")
        ready_dashboard()
        save("dashboard")
        driver.set_window_size(WIDTH, 1800)  # the whole map box in the viewport
        driver.get(base + "/assessment/")
        ready_dashboard()
        save("map", driver.find_element(By.CSS_SELECTOR, "#chart-map").find_element(By.XPATH, ".."))
        driver.set_window_size(WIDTH, HEIGHT)

        driver.get(base + "/monitoring/?queue=open")
        driver.get(_first_link(driver, "table tbody tr a"))
        save("case")
        driver.get(_first_link(driver, "main a[href*='/registry/households/']"))  # the case's household
        save("household")

        driver.get(base + "/projects/")
        driver.get(_first_link(driver, "table tbody tr a"))
        save("project")
    finally:
        driver.quit()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="qingchuan", help="demo login (password demo); default a county office")
    parser.add_argument("--scale", default="0.01")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="xiezuo-screens-") as data_dir:
        env = {**os.environ, "XIEZUO_DATA_DIR": data_dir, "PYTHONPATH": str(ROOT / "src")}
        env.pop("DATABASE_URL", None)
        subprocess.run([python, "-m", "xiezuo.cli", "demo", "--scale", args.scale, "--no-serve"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        port = _free_port()
        server = subprocess.Popen([python, "-m", "xiezuo.cli", "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(60):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.5)
            for path in shoot(f"http://127.0.0.1:{port}", args.user):
                print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KiB")
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
