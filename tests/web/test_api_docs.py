"""The API docs in the interface's language: the schema's operation, parameter and field descriptions
translated per request (`?lang=` or the language cookie), the Swagger UI's labels too (served with the
page, swapped in by static/web/swagger_labels.js), its assets from the sidecar package (no CDN)."""

from __future__ import annotations

import json
import re

import pytest

from tests.browser import CHROMEDRIVER, CHROMIUM

pytestmark = pytest.mark.django_db

ENGLISH_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _english_paragraphs(schema: dict) -> set[str]:
    """Descriptions (paragraph by paragraph) with English words and no Chinese: code in backticks, enum lists
    ("* `code` - 标签") and media types do not count."""
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("description", "summary") and isinstance(value, str):
                    for part in value.split("\n\n"):
                        plain = re.sub(r"`[^`]*`|application/[\w.+-]+|\bYAML\b|\bJSON\b|\bAPI\b", "", part)
                        if not part.startswith("* `") and len(ENGLISH_WORD.findall(plain)) >= 1 \
                                and not CJK.search(part):
                            found.add(part)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(schema.get("paths", {}))
    walk(schema.get("components", {}))
    return found


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("api-admin", role="admin"))
    return client


def _schema(client, lang: str) -> dict:
    response = client.get("/api/schema", {"format": "json", "lang": lang})
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_speaks_the_requests_language(admin_client):
    zh = _schema(admin_client, "zh-hans")
    assert _english_paragraphs(zh) == set()
    households = zh["paths"]["/api/registry/households/"]["get"]
    assert households["description"] == "您权限范围内的建档立卡户。"
    assert {p["name"]: p["description"] for p in households["parameters"]}["number"] == "完整户编号"
    members = zh["paths"]["/api/registry/members/"]["get"]
    assert {p["name"]: p["description"] for p in members["parameters"]}["deceased"] == "是否已故（true/false）"
    en = _schema(admin_client, "en")
    assert en["paths"]["/api/registry/households/"]["get"]["description"] == \
        "Registered households (建档立卡户) in your scope."
    assert en["info"]["title"] == "Xiezuo API" and zh["info"]["title"] != "Xiezuo API"
    # the language cookie decides without ?lang=
    admin_client.cookies["django_language"] = "zh-hans"
    cookie = json.loads(admin_client.get("/api/schema", {"format": "json"}).content)
    assert cookie["paths"]["/api/registry/members/"]["get"]["description"] == "您权限范围内的家庭成员；身份证号已脱敏。"


def test_the_docs_page_carries_its_labels_and_local_assets(admin_client):
    zh = admin_client.get("/api/docs", {"lang": "zh-hans"}).content.decode()
    labels = json.loads(re.search(r'<script id="swagger-labels" type="application/json">(.*?)</script>', zh, re.S)[1])
    assert labels["lang"] == "zh-hans" and labels["labels"]["Try it out"] == "试用"
    assert labels["labels"]["Execute"] == "执行" and "<title>协作平台 API 文档</title>" in zh
    scripts = re.findall(r'<script src="([^"]+)"', zh)
    assert scripts and all(s.startswith("/") for s in scripts)  # served here: no CDN
    assert any("swagger_labels.js" in s for s in scripts) and any("sidecar" in s for s in scripts)
    en = admin_client.get("/api/docs", {"lang": "en"}).content.decode()
    en_labels = json.loads(re.search(r'id="swagger-labels" type="application/json">(.*?)</script>', en, re.S)[1])
    assert '<html lang="en">' in en and "Try it out" not in en_labels["labels"]  # English: Swagger's own


@pytest.mark.browser
@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Debian's chromium and chromium-driver are not installed")
def test_swagger_ui_shows_chinese_labels_in_chromium(live_server, make_user):
    from django.conf import settings
    from django.test import Client
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from .crawl import chromium, console_errors

    client = Client()
    client.force_login(make_user("api-browser", role="admin"))
    driver = chromium()
    try:
        driver.get(live_server.url + "/static/web/xiezuo.css")
        driver.add_cookie({"name": settings.SESSION_COOKIE_NAME,
                           "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "path": "/"})
        driver.add_cookie({"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "path": "/"})
        driver.get(live_server.url + "/api/docs")
        WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock"))
        driver.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
        WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".try-out__btn"))
        text = driver.find_element(By.TAG_NAME, "body").text
        assert "试用" in text and "参数" in text and "响应" in text
        assert "Try it out" not in text and "Parameters" not in text
        assert driver.execute_script("return document.documentElement.lang") == "zh-hans"
        assert console_errors(driver) == []
    finally:
        driver.quit()
