"""The phone app in headless Chromium at a phone's size (412×915): a cadre downloads their households,
goes offline (DevTools `Network.emulateNetworkConditions`), records two visits, one with a photo, comes
back online, and both arrive once, even when the device sends them again; a conflicting edit is shown
with both versions and resolved by the cadre, not lost; signing out clears the device store."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from tests.browser import CHROMEDRIVER, CHROMIUM, phone_driver

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Debian's chromium and chromium-driver are not installed"),
]

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def browser():
    yield from phone_driver()


def _wait(predicate, timeout=45.0):  # generous: the CI machine is shared
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def _network(browser, *, offline: bool) -> None:
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def _store_count(browser, store: str) -> int:
    return browser.execute_async_script("""
        const [store, done] = arguments;
        const req = indexedDB.open("xiezuo-field");
        req.onupgradeneeded = () => { req.transaction.abort(); };
        req.onerror = () => done(-1);
        req.onsuccess = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains(store)) { db.close(); done(-1); return; }
          const c = db.transaction(store).objectStore(store).count();
          c.onsuccess = () => { db.close(); done(c.result); };
        };""", store)


def _record(browser, household_id: int, *, notes: str, wage: str | None = None, risk: str | None = None,
            photo=None) -> None:
    from selenium.webdriver.common.by import By

    browser.find_element(By.CSS_SELECTOR, f"button.record[data-household='{household_id}']").click()
    form = browser.find_element(By.ID, "visit-form")
    form.find_element(By.NAME, "met").send_keys("户主")
    form.find_element(By.NAME, "notes").send_keys(notes)
    if wage is not None:
        field = form.find_element(By.NAME, "fact-wage")
        field.clear()
        field.send_keys(wage)
    if risk:
        form.find_element(By.CSS_SELECTOR, f"input[name=risk][value='{risk}']").click()
    if photo:
        form.find_element(By.NAME, "photo").send_keys(str(photo))
    browser.find_element(By.ID, "save-visit").click()
    _wait(lambda: browser.find_element(By.ID, "list").is_displayed())


@pytest.mark.django_db(transaction=True)
def test_offline_visits_arrive_once_conflicts_are_shown_sign_out_clears(live_server, browser, divisions, make_user,
                                                                       make_household, tmp_path):
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone
    from selenium.webdriver.common.by import By

    from xiezuo.field.models import CadreAccount, Visit, VisitPhoto
    from xiezuo.monitoring.models import Case
    from xiezuo.registry.models import Cadre, HouseholdYear

    year = timezone.localdate().year
    user = make_user("cadre_a", division=divisions["lizhou_village"])
    cadre = Cadre.objects.create(name="帮扶人甲", division=divisions["lizhou_village"])
    CadreAccount.objects.create(user=user, cadre=cadre)
    a = make_household(divisions["lizhou_village"], year=year, income=Decimal("8000"), cadre=cadre,
                       members=(("510802199001011236", "01"),))
    b = make_household(divisions["lizhou_village"], year=year, income=Decimal("6000"), cadre=cadre,
                       members=(("510802198001011231", "01"),))
    photo = tmp_path / "house.png"
    photo.write_bytes(PNG)

    client = Client()
    client.force_login(user)
    browser.get(live_server.url + "/static/field/field.css")
    browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "path": "/"})
    browser.add_cookie({"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "path": "/"})

    # Given the cadre's households downloaded to the phone
    browser.get(live_server.url + "/field/")
    _wait(lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
    assert len(browser.find_elements(By.CSS_SELECTOR, ".card.household")) == 2
    assert _store_count(browser, "households") == 2
    _wait(lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-sw") == "1")

    # When the phone goes offline and two visits are recorded, one with a photo, one with a risk
    _network(browser, offline=True)
    _wait(lambda: browser.execute_script("return navigator.onLine") is False)
    _record(browser, a.pk, notes="房屋完好", photo=photo)
    _record(browser, b.pk, notes="户主住院", risk="01")
    assert _store_count(browser, "outbox") == 2
    assert browser.find_element(By.ID, "outbox-count").text == "2"
    assert Visit.objects.count() == 0

    # Then, back online, both arrive once
    _network(browser, offline=False)
    browser.execute_script("window.dispatchEvent(new Event('online'))")
    _wait(lambda: _store_count(browser, "outbox") == 0)
    assert Visit.objects.count() == 2 and VisitPhoto.objects.count() == 1
    assert Case.objects.filter(household=b, source="staff_check").count() == 1
    # and sending the same visits again (a retry after a lost answer) stores nothing twice
    resent = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
        const data = JSON.stringify({household: arguments[0], client_key: arguments[1], on: arguments[2]});
        const body = new FormData(); body.append("data", data);
        fetch("/field/api/visits", {method: "POST", body, headers: {"X-CSRFToken": token}}).then(r => done(r.status));
        """, a.pk, str(Visit.objects.get(household=a).client_key), timezone.localdate().isoformat())
    assert resent == 200 and Visit.objects.count() == 2

    # A conflicting edit: the server's wage changes after the download, the phone changes it offline
    _wait(lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-synced"))
    HouseholdYear.objects.filter(household=a, year=year).update(wage=Decimal("8800"))
    _network(browser, offline=True)
    _wait(lambda: browser.execute_script("return navigator.onLine") is False)
    _record(browser, a.pk, notes="收入有变化", wage="9900")
    _network(browser, offline=False)
    browser.execute_script("window.dispatchEvent(new Event('online'))")
    panel = _wait(lambda: browser.find_elements(By.CSS_SELECTOR, ".conflict"))[0]
    assert "8800.00" in panel.find_element(By.CSS_SELECTOR, ".server").text
    assert "9900" in panel.find_element(By.CSS_SELECTOR, ".mine").text
    assert HouseholdYear.objects.get(household=a, year=year).wage == Decimal("8800.00")  # not overwritten
    assert Visit.objects.count() == 2 and _store_count(browser, "outbox") == 1
    panel.find_element(By.CSS_SELECTOR, "button.use-mine").click()
    _wait(lambda: _store_count(browser, "outbox") == 0)
    assert HouseholdYear.objects.get(household=a, year=year).wage == Decimal("9900.00")
    assert Visit.objects.count() == 3

    # Signing out removes the household data from the device
    browser.find_element(By.ID, "sign-out").click()
    _wait(lambda: "/field/" not in browser.current_url or "login" in browser.current_url)
    assert _store_count(browser, "households") in (-1, 0)


@pytest.mark.django_db(transaction=True)
def test_signing_out_from_any_page_clears_the_device(live_server, browser, divisions, make_user, make_household):
    """The logout's Clear-Site-Data empties the phone's store even when the cadre signs out from an ordinary page
    (the base template's button, where the app's script does not run)."""
    from django.conf import settings
    from django.test import Client
    from selenium.webdriver.common.by import By

    from xiezuo.field.models import CadreAccount
    from xiezuo.registry.models import Cadre

    user = make_user("cadre_b", division=divisions["lizhou_village"])
    cadre = Cadre.objects.create(name="帮扶人乙", division=divisions["lizhou_village"])
    CadreAccount.objects.create(user=user, cadre=cadre)
    make_household(divisions["lizhou_village"], cadre=cadre, members=(("510802199001011236", "01"),))
    client = Client()
    client.force_login(user)
    browser.get(live_server.url + "/static/field/field.css")
    browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "path": "/"})
    browser.add_cookie({"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "path": "/"})
    browser.get(live_server.url + "/field/")
    _wait(lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
    assert _store_count(browser, "households") == 1
    # the cadre's month, counted as the leader's page counts it: one household due, none visited yet
    assert "0 of 1" in browser.find_element(By.ID, "summary").text

    browser.get(live_server.url + "/field/measures/")  # an ordinary page: base template, no field script
    browser.find_element(By.CSS_SELECTOR, "form[action='/accounts/logout/'] button").click()
    _wait(lambda: "/field/measures/" not in browser.current_url)
    browser.get(live_server.url + "/accounts/login/")
    assert _store_count(browser, "households") in (-1, 0)
