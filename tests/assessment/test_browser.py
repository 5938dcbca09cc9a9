"""The dashboard in headless Chromium (Debian's chromium + chromedriver, never a downloaded browser)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM, DRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(DRIVER).exists()), reason="Debian chromium missing"),
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1600",
                "--disable-gpu"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    yield driver
    driver.quit()


@pytest.mark.django_db(transaction=True)
def test_dashboard_draws_charts_and_map_with_the_databases_numbers(live_server, browser, poverty, make_user):
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.cache import cache
    from selenium.webdriver.support.ui import WebDriverWait

    from xiezuo.assessment.values import Query, value

    cache.clear()
    user = make_user("boss", role="admin")
    session = SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    browser.get(f"{live_server.url}/assessment/map.geojson")  # a page on the domain to set the cookie on
    browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "path": "/"})

    browser.get(f"{live_server.url}/assessment/?year=2013")
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script("return document.getElementById('dashboard').dataset.ready === '1'"))

    # The charts and the map are drawn: an ECharts instance with a canvas in each box
    for chart_id in ("chart-map", "chart-poverty", "chart-coop", "chart-counties"):
        assert browser.execute_script(
            f"return !!echarts.getInstanceByDom(document.getElementById('{chart_id}'))"), chart_id
        assert browser.execute_script(f"return document.querySelectorAll('#{chart_id} canvas').length") > 0
    map_series = ("return echarts.getInstanceByDom(document.getElementById('chart-map'))"
                  ".getOption().series.map(s => [s.type, s.data.map(d => d.name)])")
    # the region's counties fill the map (the fixture's two have figures; partners are a list, not lines)
    [(kind, names)] = browser.execute_script(map_series)
    assert kind == "map" and {"510802", "510821"} <= set(names)
    # drill-down to 旺苍's townships: a treemap (no township boundaries in the data)
    browser.execute_script("var s = document.getElementById('map-drill'); s.value = '510821000000';"
                           "s.dispatchEvent(new Event('change'));")
    assert browser.execute_script(map_series) == [["treemap", ["东河镇"]]]
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "dashboard-drill.png"))
    browser.execute_script("var s = document.getElementById('map-drill'); s.value = '';"
                           "s.dispatchEvent(new Event('change'));")

    # The cards show the database's numbers
    shown = browser.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('.card')].map("
        "c => [c.dataset.code, c.querySelector('.value').dataset.value]))")
    q = Query(year=2013, prefix="5108")
    assert shown["poor_people"] == str(value("poor_people", q).value) == "4"
    assert float(shown["incidence_pct"]) == float(value("incidence_pct", q).value)

    # No console errors (the browser's own favicon probe is not the page's: base.html declares none)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]]
    assert errors == []

    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "dashboard.png"))

    # And on a phone's width the page still draws
    browser.set_window_size(390, 1400)
    browser.get(f"{live_server.url}/assessment/?year=2013")
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script("return document.getElementById('dashboard').dataset.ready === '1'"))
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 420
    browser.save_screenshot(str(ARTIFACTS / "dashboard-phone.png"))


def _contrast(a: str, b: str) -> float:
    import re

    def lum(rgb: str) -> float:
        c = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.django_db(transaction=True)
def test_treemap_labels_are_legible(live_server, browser, poverty, make_user):
    """The township treemap's labels: contrast of at least 4.5:1 on every shade, 12 px or more, cut with "…"
    to the tile (the tooltip has the whole name), and none on a tile too small for two characters."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.cache import cache
    from selenium.webdriver.support.ui import WebDriverWait

    cache.clear()
    user = make_user("boss", role="admin")
    session = SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    browser.get(f"{live_server.url}/assessment/map.geojson")
    browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "path": "/"})
    browser.get(f"{live_server.url}/assessment/?year=2013")
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script("return document.getElementById('dashboard').dataset.ready === '1'"))
    browser.execute_script("var s = document.getElementById('map-drill'); s.value = '510821000000';"
                           "s.dispatchEvent(new Event('change'));")
    option = browser.execute_script("var o = echarts.getInstanceByDom(document.getElementById('chart-map'))"
                                    ".getOption(); return [o.series[0].data, o.tooltip[0].confine];")
    (tile,), confined = option
    label = tile["label"]
    assert tile["name"] == "东河镇" and label["show"] and confined
    assert _contrast(label["color"], tile["itemStyle"]["color"]) >= 4.5
    assert label["fontSize"] >= 12 and (label["overflow"], label["ellipsis"]) == ("truncate", "…")

    # every shade the map uses (light to dark red), and tiles of every size
    for t in range(11):
        a, b = (253, 232, 216), (192, 80, 77)
        shade = "rgb({},{},{})".format(*(round(x + (y - x) * t / 10) for x, y in zip(a, b, strict=True)))
        got = browser.execute_script("return xiezuoTileLabel(arguments[0], 0.25, 600, 400)", shade)
        assert got["show"] and _contrast(got["color"], shade) >= 4.5, (shade, got)
    tiny = browser.execute_script("return xiezuoTileLabel('rgb(253,232,216)', 0.001, 600, 400)")
    one_line = browser.execute_script("return xiezuoTileLabel('rgb(253,232,216)', 0.006, 600, 400)")
    assert tiny == {"show": False}
    assert one_line["show"] and not one_line["valueLine"]
