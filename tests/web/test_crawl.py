"""Issue 16: every page a demo user reaches, in zh-hans, in headless Chromium (see crawl.py for what is checked).

The demo is built small in the test database (every app's demo builder at scale 0.002), then each demo user logs
in through the login form and crawls from the home page: admin, the seven county offices, the eastern office
(huzhou) and the auditor. A failure lists every finding, so one run shows all that is left to fix.
"""

from __future__ import annotations

import time

import pytest

from .crawl import CHROMEDRIVER, CHROMIUM, Rules, chromium, crawl, foreign_prefixes, login_with_form

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Debian's chromium and chromium-driver are not installed"),
]

SCALE = 0.002
USERS = ("admin", "lizhou", "zhaohua", "chaotian", "wangcang", "qingchuan", "jiange", "cangxi", "huzhou", "auditor")
# Pages each kind of user must have reached, or the crawl proves little.
MUST_REACH = {
    "admin": ("/registry/households/N/", "/monitoring/cases/N/", "/projects/N/", "/assessment/", "/api/docs"),
    "qingchuan": ("/registry/households/N/", "/monitoring/cases/N/", "/projects/N/", "/projects/N/edit/",
                  "/labor/placements/new/"),
    "huzhou": ("/cooperation/pairings/N/", "/assessment/"),
    "auditor": ("/accounts/audit/", "/registry/households/"),
}


@pytest.fixture
def demo(transactional_db, settings):
    from django.core.cache import cache
    from django.core.management import call_command

    settings.DEBUG = False
    cache.clear()
    started = time.perf_counter()
    call_command("demo", scale=SCALE, no_serve=True, stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    return time.perf_counter() - started


def test_every_page_of_every_demo_user_is_right_in_chinese(live_server, demo, capsys):
    from .crawl import pattern

    rules = Rules.build("zh-hans")
    driver = chromium()
    findings, report = [], []
    try:
        for user in USERS:
            driver.delete_all_cookies()
            login_with_form(driver, live_server.url, user, "demo")
            rules.foreign_prefixes = foreign_prefixes(user)
            done = crawl(driver, live_server.url, user=user, rules=rules)
            findings += done.findings
            report.append(f"{user}: {len(done.pages)} pages in {done.seconds:.1f} s")
            reached = {pattern(live_server.url + p) for p in done.pages}
            missing = [p for p in MUST_REACH.get(user, ()) if p not in reached]
            assert not missing, f"{user} never reached {missing}; reached {sorted(reached)}"
    finally:
        driver.quit()
    with capsys.disabled():
        print(f"\ndemo at scale {SCALE} built in {demo:.1f} s; " + "; ".join(report))
    assert not findings, f"{len(findings)} findings:\n" + "\n".join(str(f) for f in findings[:80])
