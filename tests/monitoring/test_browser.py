"""The main path in headless Chromium (Debian's chromium + chromedriver, driven by Selenium):
open from an engine flag, verify, recognise, assist, eliminate. Skipped without chromium."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.browser import CHROMEDRIVER, CHROMIUM, phone_driver

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Debian's chromium and chromium-driver are not installed"),
]


@pytest.fixture
def browser():
    yield from phone_driver()


def _login(browser, live_server, user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    browser.get(live_server.url + "/static/web/xiezuo.css")
    browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "path": "/"})
    browser.add_cookie({"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "path": "/"})


def _step(browser, to_stage, on, **extra):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    form = browser.find_element(By.ID, "advance-form")
    Select(form.find_element(By.NAME, "to_stage")).select_by_value(to_stage)
    browser.execute_script("arguments[0].value = arguments[1]", form.find_element(By.NAME, "on"), on.isoformat())
    form.find_element(By.NAME, "comment").send_keys(f"{to_stage} done")
    if "category" in extra:
        Select(form.find_element(By.NAME, "category")).select_by_value(extra["category"])
    for box in ("income_stable", "rigid_expense_resolved"):
        if extra.get(box):
            form.find_element(By.NAME, box).click()
    _submit(browser, form)
    return browser.find_element(By.ID, "case-stage").get_attribute("data-stage")


def _submit(browser, form):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    # Wait for the next document rather than for the form to go stale: chromedriver can raise "Node with given id
    # does not belong to the document" while it checks a node mid-navigation (CI saw it with chromium 156).
    browser.execute_script("window.xzBeforeSubmit = true")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 15, ignored_exceptions=(WebDriverException,)).until(
        lambda b: b.execute_script("return document.readyState === 'complete' && !window.xzBeforeSubmit"))


def test_main_path_in_chromium(live_server, browser, divisions, make_user, make_household):
    from selenium.webdriver.common.by import By

    from xiezuo.monitoring import signals
    from xiezuo.monitoring import workflow as wf
    from xiezuo.monitoring.models import Case
    from xiezuo.registry.models import HouseholdYear

    # Given a household flagged by a measurement run (a fake flag list stands in for the engine)
    clerk = make_user("clerk_browser", division=divisions["lizhou"])
    household = make_household(divisions["lizhou_village"], year=2025, income=Decimal("3000"))
    opened = signals.open_from_flags([{"household": household, "category": "marginal", "reasons": ["illness"]}],
                                     user=clerk, run_id=1, year=2025, on=dt.date(2025, 1, 2)).opened
    assert len(opened) == 1
    _login(browser, live_server, clerk)

    # When the clerk finds it in the case list and walks the identification steps
    browser.get(live_server.url + "/monitoring/?queue=open")
    browser.find_element(By.LINK_TEXT, str(opened[0])).click()
    day = dt.date(2025, 1, 3)
    for stage in (wf.HOME_VISIT, wf.COMMITMENT, wf.DATA_COMPARISON, wf.DEMOCRATIC_APPRAISAL, wf.PUBLIC_NOTICE,
                  wf.TOWNSHIP_REVIEW, wf.COUNTY_DECISION):
        assert _step(browser, stage, day) == stage
    assert _step(browser, wf.RECORDED, day, category="marginal") == wf.RECORDED
    assert _step(browser, wf.ASSISTING, dt.date(2025, 1, 5)) == wf.ASSISTING

    # and adds an assistance measure for the illness risk
    browser.find_element(By.XPATH, "//details[.//form[@id='measure-form']]/summary").click()
    form = browser.find_element(By.ID, "measure-form")
    form.find_element(By.NAME, "responsible").send_keys("王医生")
    browser.execute_script("arguments[0].value = '2025-01-06'", form.find_element(By.NAME, "start_on"))
    form.find_element(By.NAME, "amount").send_keys("1200.50")
    _submit(browser, form)
    assert "1200.50" in browser.find_element(By.ID, "measures").text

    # Then removal is refused while income is below the threshold, and allowed once it is above
    HouseholdYear.objects.create(household=household, year=2026, size=1, wage=Decimal("9000"))
    assert _step(browser, wf.ELIMINATION_CHECK, dt.date(2026, 1, 10)) == wf.ELIMINATION_CHECK
    assert _step(browser, wf.ELIMINATION_APPRAISAL, dt.date(2026, 1, 12)) == wf.ELIMINATION_CHECK  # not confirmed
    assert "not been confirmed stable" in browser.page_source
    assert _step(browser, wf.ELIMINATION_APPRAISAL, dt.date(2026, 1, 12), income_stable=True,
                 rigid_expense_resolved=True) == wf.ELIMINATION_APPRAISAL
    assert _step(browser, wf.ELIMINATION_TOWNSHIP_REVIEW, dt.date(2026, 1, 20)) == wf.ELIMINATION_TOWNSHIP_REVIEW
    assert _step(browser, wf.ELIMINATION_COUNTY_APPROVAL, dt.date(2026, 1, 22)) == wf.ELIMINATION_COUNTY_APPROVAL
    assert _step(browser, wf.CLOSED, dt.date(2026, 1, 25)) == wf.CLOSED
    case = Case.objects.get(pk=opened[0].pk)
    assert case.stage == wf.CLOSED and case.closed_on == dt.date(2026, 1, 25) and case.steps.count() == 15
    # and the timeline shows every step
    assert len(browser.find_elements(By.CSS_SELECTOR, "ol.timeline li")) == 15
