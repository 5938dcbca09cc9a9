"""A crawl of the interface in a real browser, as one user, in zh-hans: what a person looking would see.

From the home page it follows every link of the navigation, the tabs and the actions, and the links of the
first row of each list (one page per URL pattern: `/registry/households/17/` stands for every household),
and checks each page for what issue 16 found in the demo:

- an HTTP status of 400 or more, or an error in the browser's console;
- a date input of a form that records something (POST, required) left empty: a default is expected;
- English left in the Chinese interface: a visible text equal to a msgid that the compiled catalogues
  translate, or a raw choice value (a code such as "exited" or "01") whose label differs;
- an integer of five or more digits without separators (2384900, 3410000.00);
- for a county user, another county's division code anywhere in the page;
- on a demo region's pages, the name of another region's division (a name left in code or a template).

Run against a served demo as a script, to look before a test is written:
    python tests/web/crawl.py http://127.0.0.1:8000 qingchuan [admin …]   (password "demo")
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

# Not pages: downloads, data endpoints, the language switch, logging out, Django's admin (its own translations).
SKIP = re.compile(r"^/(accounts/logout|i18n/|admin/|api/(?!docs$)|static/|media/)|/(export|download|report|template|"
                  r"file|attachment|map\.geojson|echarts|data|status)(/|\.|$)|\.(xlsx|csv|pdf|json|geojson|parquet|zip)$")
SKIP_QUERY = {"format", "page", "lang", "next"}

COLLECT_JS = r"""
const skip = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"]);
const texts = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  const p = n.parentElement;
  if (!p || skip.has(p.tagName)) continue;
  const t = n.textContent.replace(/\s+/g, " ").trim();
  if (t) texts.push([t, !!p.closest("code, kbd, samp")]);
}
for (const e of document.querySelectorAll("[placeholder], [title], [aria-label]")) {
  for (const a of ["placeholder", "title", "aria-label"]) {
    const t = (e.getAttribute(a) || "").trim();
    if (t) texts.push([t, false]);
  }
}
const dates = [...document.querySelectorAll("form input[type=date]")].map(i => ({
  name: i.name, value: i.value, required: i.required,
  method: (i.form.getAttribute("method") || "get").toLowerCase(), form: i.form.id || i.form.action}));
const links = [];
for (const a of document.querySelectorAll("a[href]")) {
  const row = a.closest("tbody tr, ul li, ol li");
  let first = true;
  if (row) {
    const siblings = [...row.parentElement.children].filter(c => c.tagName === row.tagName);
    first = siblings.indexOf(row) === 0;
  }
  links.push([a.href, first]);
}
const nav = performance.getEntriesByType("navigation")[0];
return {status: nav ? nav.responseStatus : 0, texts: texts, dates: dates, links: links,
        html: document.documentElement.outerHTML, title: document.title};
"""

NUMBER = re.compile(r"(?<![\w\-/.:#,])\d{5,}(?:\.\d+)?(?![\w\-/])")
DIGIT_RUN = re.compile(r"(?<!\d)\d{12,}(?!\d)")
SEPARATORS = re.compile(r"\s*[,;，；、]\s*")


@dataclass
class Finding:
    user: str
    url: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.user} {self.url}: {self.kind}: {self.detail}"


@dataclass
class Rules:
    """What a page is checked against: built once from the compiled catalogues and the models."""

    msgids: set[str]
    choice_values: set[str]
    foreign_prefixes: tuple[str, ...] = ()  # six-digit codes of the counties the user may not see
    foreign_names: tuple[str, ...] = ()  # names of another demo region's divisions: no page may show one

    @classmethod
    def build(cls, language: str = "zh-hans") -> Rules:
        return cls(msgids=translated_msgids(language), choice_values=raw_choice_values())


def foreign_prefixes(username: str) -> tuple[str, ...]:
    """For a county user (county_staff), the six-digit codes of the other counties of Guangyuan."""
    from xiezuo.accounts.access import scope_prefixes
    from xiezuo.accounts.models import User
    from xiezuo.geo.models import Division

    user = User.objects.get(username=username)
    if user.role != User.Role.COUNTY:
        return ()
    own = scope_prefixes(user, "view") or []
    counties = Division.objects.filter(level="county", side="west").values_list("code", flat=True)
    return tuple(sorted(c[:6] for c in counties if not any(c.startswith(p) or p.startswith(c[:6]) for p in own)))


def translated_msgids(language: str = "zh-hans") -> set[str]:
    """Every msgid the compiled catalogues (ours and Django's) translate into `language` to something else."""
    from django.utils.translation import trans_real

    catalog = trans_real.translation(language)._catalog
    out = set()
    for key, text in catalog.items():
        if not isinstance(key, str) or not text or text == key:
            continue
        msgid = key.split("\x04", 1)[-1]
        if msgid.strip() and not msgid.isdigit():
            out.add(msgid.strip())
    return out


def raw_choice_values() -> set[str]:
    """Choice values of every model field whose label differs: shown, they mean a code reached the page.

    Numbers are left out (a value 3 is also a count of three), and so are single letters (the MPI's "H" and "A"
    are column headings); two-digit codes with a leading zero ("01" illness) are kept.
    """
    from django.apps import apps

    out = set()
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if not getattr(f, "choices", None):
                continue
            for value, label in f.flatchoices:
                v = str(value)
                if v == str(label) or len(v) < 2 or (v.isdigit() and not v.startswith("0")):
                    continue
                out.add(v)
    return out


def check(page: dict, *, url: str, user: str, rules: Rules) -> list[Finding]:
    found: list[Finding] = []

    def add(kind: str, detail: str) -> None:
        found.append(Finding(user, url, kind, detail))

    if page["status"] >= 400:
        add("status", str(page["status"]))
    for d in page["dates"]:
        if d["method"] == "post" and d["required"] and not d["value"]:
            add("empty date", f"{d['name']} in {d['form']}")
    seen: set[tuple[str, str]] = set()
    for text, in_code in page["texts"]:
        if text in rules.msgids:
            seen.add(("untranslated", text))
        for part in SEPARATORS.split(text):
            if part in rules.choice_values:
                seen.add(("raw choice value", f"{part!r} in {text!r}"[:160]))
        if not in_code:
            for m in NUMBER.finditer(text):
                if len(m.group().split(".")[0]) < 12:  # 12 digits and more are codes (divisions, households)
                    seen.add(("number without separators", f"{m.group()} in {text!r}"[:160]))
    for kind, detail in sorted(seen):
        add(kind, detail)
    if rules.foreign_prefixes:
        leaked = sorted({m.group() for m in DIGIT_RUN.finditer(page["html"])
                         if m.group().startswith(rules.foreign_prefixes)})
        if leaked:
            add("another county's code", ", ".join(leaked[:5]))
    named = [n for n in rules.foreign_names if n in page["html"]]
    if named:
        add("another region's division", ", ".join(named[:5]))
    return found


def pattern(url: str) -> str:
    """One page stands for all of its kind: digits in the path and the query's values do not count."""
    parts = urlsplit(url)
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(keys) if keys else "")


def wanted(base: str, href: str) -> bool:
    parts = urlsplit(href)
    if not href.startswith(base) or parts.fragment and not parts.path:
        return False
    if SKIP.search(parts.path):
        return False
    return not any(k in SKIP_QUERY for k, _v in parse_qsl(parts.query, keep_blank_values=True))


@dataclass
class Crawl:
    pages: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per page, to find the slow ones
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]]


def crawl(driver, base: str, *, user: str, rules: Rules, start: str = "/", max_pages: int = 200) -> Crawl:
    """Breadth-first from `start`; one page per URL pattern; the findings of every page."""
    from selenium.webdriver.support.ui import WebDriverWait

    result = Crawl()
    began = time.perf_counter()
    queue, patterns = [base + start], {pattern(base + start)}
    while queue and len(result.pages) < max_pages:
        url = queue.pop(0)
        t0 = time.perf_counter()
        driver.get(url)
        if driver.execute_script("return !!document.getElementById('dashboard')"):
            WebDriverWait(driver, 20).until(lambda d: d.execute_script(
                "const e = document.getElementById('dashboard');"
                "return e.dataset.ready === '1' || !e.querySelector('#dash-cards p')"))
        page = driver.execute_script(COLLECT_JS)
        path = url[len(base):]
        result.pages.append(path)
        result.timings[path] = time.perf_counter() - t0
        result.findings += check(page, url=path, user=user, rules=rules)
        result.findings += [Finding(user, path, "console error", m[:200]) for m in console_errors(driver)]
        for href, first in page["links"]:
            href = href.split("#", 1)[0]
            if not first or not wanted(base, href):
                continue
            p = pattern(href)
            if p not in patterns:
                patterns.add(p)
                queue.append(href)
    result.seconds = time.perf_counter() - began
    return result


def chromium(width: int = 1280, height: int = 1000, language: str = "zh-CN"):
    """Debian's headless chromium with its console log kept (never a downloaded browser)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run",
                 f"--window-size={width},{height}", f"--lang={language}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


def login_with_form(driver, base: str, username: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(base + "/accounts/login/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    driver.add_cookie({"name": "django_language", "value": "zh-hans", "path": "/"})


if __name__ == "__main__":  # pragma: no cover - a tool for looking at a served demo
    import os
    import sys

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiezuo.settings")
    django.setup()
    base_url, *users = sys.argv[1:]
    all_rules = Rules.build()
    for name in users or ["admin"]:
        all_rules.foreign_prefixes = foreign_prefixes(name)
        browser = chromium()
        try:
            login_with_form(browser, base_url, name, "demo")
            done = crawl(browser, base_url, user=name, rules=all_rules)
        finally:
            browser.quit()
        for f in done.findings:
            print(f)
        print(f"{name}: {len(done.pages)} pages, {len(done.findings)} findings, {done.seconds:.1f} s")
        print("slowest:", sorted(done.timings.items(), key=lambda kv: -kv[1])[:8])
