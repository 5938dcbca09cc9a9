"""Issue 16: every page a demo user reaches, in zh-hans, in headless Chromium (see crawl.py for what is checked).

The demo is built small in the test database (every app's demo builder: Guangyuan at scale 0.002, the second
region, dingxi, at 0.05), then each demo user logs in through the login form and crawls from the home page: admin,
the county offices (seven in Guangyuan, three in Dingxi), the eastern office and the auditor. On the second region's
pages no Guangyuan division may be named (a name left in code or a template). A failure lists every finding, so
one run shows all that is left to fix.
"""

from __future__ import annotations

import time

import pytest

from .crawl import CHROMEDRIVER, CHROMIUM, Rules, chromium, crawl, foreign_prefixes, login_with_form

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Debian's chromium and chromium-driver are not installed"),
]

SCALES = {"guangyuan": 0.002, "dingxi": 0.05}
# Pages each kind of user must have reached, or the crawl proves little ("county": the region's county user
# named in COUNTY_USER, "east": its eastern office).
MUST_REACH = {
    "admin": ("/registry/households/N/", "/monitoring/cases/N/", "/projects/N/", "/assessment/", "/api/docs"),
    "county": ("/registry/households/N/", "/monitoring/cases/N/", "/projects/N/", "/projects/N/edit/",
               "/labor/placements/new/"),
    "east": ("/cooperation/pairings/N/", "/assessment/"),
    "auditor": ("/accounts/audit/", "/registry/households/"),
}
COUNTY_USER = {"guangyuan": "qingchuan", "dingxi": "anding"}


def users_of(region: str) -> list[tuple[str, str]]:
    """(username, kind in MUST_REACH) of the region's demo logins, as `xiezuo demo` makes them."""
    from xiezuo.accounts.demo import demo_users
    from xiezuo.geo.demo_region import load

    kinds = {"admin": "admin", "auditor": "auditor", COUNTY_USER[region]: "county",
             load(region).section("accounts")["east_office"]["login"]: "east"}
    return [(name, kinds.get(name, "")) for name, *_rest in demo_users(load(region))]


def other_regions_names(region: str) -> tuple[str, ...]:
    """The division names of every other demo region, both sides (its provinces, cities and counties: none may
    appear on this one's pages, the partner province's neither: a label that named it was code)."""
    from xiezuo.geo.demo_region import available, load

    own = load(region).tree
    mine = {c["name"] for part in ("provinces", "cities", "counties") for c in own.get(part, [])}
    names: list[str] = []
    for other in available():
        if other == region:
            continue
        tree = load(other).tree
        names += [c["name"] for part in ("provinces", "cities", "counties") for c in tree.get(part, [])
                  if c["name"] not in mine]
    return tuple(names)


@pytest.fixture(params=sorted(SCALES, key=lambda r: r != "guangyuan"))
def demo(request, transactional_db, settings):
    from django.core.cache import cache
    from django.core.management import call_command

    settings.DEBUG = False
    cache.clear()
    started = time.perf_counter()
    call_command("demo", region=request.param, scale=SCALES[request.param], no_serve=True,
                 stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    return request.param, time.perf_counter() - started


def test_every_page_of_every_demo_user_is_right_in_chinese(live_server, demo, capsys):
    from .crawl import pattern

    region, seconds = demo
    rules = Rules.build("zh-hans")
    rules.foreign_names = other_regions_names(region)
    driver = chromium()
    findings, report = [], []
    try:
        for user, kind in users_of(region):
            driver.delete_all_cookies()
            login_with_form(driver, live_server.url, user, "demo")
            rules.foreign_prefixes = foreign_prefixes(user)
            done = crawl(driver, live_server.url, user=user, rules=rules)
            # the figures page, which no menu links: its labels name the partner and the flagship projects
            figures = crawl(driver, live_server.url, user=user, rules=rules, start="/figures/?year=2020", max_pages=1)
            done.findings += figures.findings
            findings += done.findings
            report.append(f"{user}: {len(done.pages)} pages in {done.seconds:.1f} s")
            reached = {pattern(live_server.url + p) for p in done.pages}
            missing = [p for p in MUST_REACH.get(kind, ()) if p not in reached]
            assert not missing, f"{user} never reached {missing}; reached {sorted(reached)}"
    finally:
        driver.quit()
    with capsys.disabled():
        print(f"\n{region} demo at scale {SCALES[region]} built in {seconds:.1f} s; " + "; ".join(report))
    assert not findings, f"{len(findings)} findings:\n" + "\n".join(str(f) for f in findings[:80])
