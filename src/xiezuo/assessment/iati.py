"""IATI 2.03 activity file of the cooperation projects (projects app), from the fund ledger.

One `iati-activity` per project: the reporting organisation (the cooperation office of the region the
installation serves, from its division tree: `XI-XIEZUO-` and its 6-digit code), participating
organisations (funding: the eastern side of the project's pairing, else the eastern province; implementing:
the county), titles and descriptions in Chinese and English, status, dates, recipient country
CN, a DAC 5-digit sector mapped from the project category, the county seat as location, a
budget per year and one transaction per ledger posting: allocations are commitments (type 2),
disbursements are disbursements (type 3), and a reversal is the same type with a negative value.

Organisation identifiers: `CN-USC-<unified social credit code>` when the organisation has one,
otherwise `XI-XIEZUO-<division code>` (a Xiezuo-local identifier, documented in docs/assessment.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from lxml import etree

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STATUS = {"reserve": "1", "approved": "1", "in_progress": "2", "completed": "3", "accepted": "4"}
SECTOR = {  # OECD DAC 5-digit purpose codes
    "industry": "31120", "infrastructure": "43040", "education": "11330", "health": "12220",
    "labour": "16020", "housing": "16030", "reconstruction": "73010", "relief": "72010", "other": "43040",
}
TX_TYPE = {"allocation": "2", "disbursement": "3"}


def _narratives(parent, tag: str, zh: str, en: str):
    el = etree.SubElement(parent, tag)
    n = etree.SubElement(el, "narrative")
    n.text = zh or en
    if en:
        n2 = etree.SubElement(el, "narrative")
        n2.set(XML_LANG, "en")
        n2.text = en
    return el


def _org(parent, tag: str, *, ref: str, type_: str, zh: str, en: str, role: str | None = None):
    el = _narratives(parent, tag, zh, en)
    if role:
        el.set("role", role)
    el.set("ref", ref)
    el.set("type", type_)
    return el


def _value(parent, amount: Decimal, date: dt.date):
    v = etree.SubElement(parent, "value", currency="CNY", **{"value-date": date.isoformat()})
    v.text = f"{amount:.2f}"
    return v


def _centres() -> dict[str, tuple[float, float]]:
    from .dashboard import combined_geojson

    return {f["properties"]["adcode"]: tuple(f["properties"].get("center") or f["properties"]["centroid"])
            for f in combined_geojson()["features"]}


def _reporting() -> tuple[str, str, str]:
    """(ref, Chinese name, English name) of the reporting office: the region the installation serves."""
    from xiezuo.accounts.region import Region, data_region

    root = Region(divisions=data_region()).root
    if root is None:
        return "XI-XIEZUO", "东西部协作工作领导小组办公室", "East–West Cooperation Office"
    return (f"XI-XIEZUO-{root.code[:6]}", f"{root.name}东西部协作工作领导小组办公室",
            f"{root.name_en or root.name} East–West Cooperation Office")


def _east_province():
    """The eastern province of the installation's tree: the funder of a project without a pairing."""
    from xiezuo.geo.models import Division

    return Division.objects.filter(level="province", side=Division.Side.EAST).order_by("code").first()


def build_iati(*, year: int | None = None, user=None) -> etree._ElementTree:
    from xiezuo.projects.models import Budget, LedgerEntry, Project

    reporting_ref, reporting_zh, reporting_en = _reporting()
    east_province = _east_province()

    projects = Project.objects.restrict(user, "view") if user is not None else Project.objects.all()
    if year is not None:
        projects = projects.filter(year__lte=year).exclude(end_year__lt=year)
    projects = projects.select_related("county", "pairing__east_division", "pairing__east_organisation")
    projects = list(projects.order_by("code"))
    ids = [p.pk for p in projects]
    budgets: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for pid, y, amount in Budget.objects.filter(project_id__in=ids).values_list("project_id", "project__year",
                                                                               "amount"):
        budgets[pid][y] += amount
    ledger = defaultdict(list)
    entries = LedgerEntry.objects.filter(project_id__in=ids).select_related("reverses").order_by("date", "pk")
    if year is not None:
        entries = entries.filter(date__year=year)
    for e in entries:
        ledger[e.project_id].append(e)
    centres = _centres()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")

    root = etree.Element("iati-activities", version="2.03", **{"generated-datetime": now})
    for p in projects:
        act = etree.SubElement(root, "iati-activity", **{"last-updated-datetime": now, "default-currency": "CNY"})
        act.set(XML_LANG, "zh")
        etree.SubElement(act, "iati-identifier").text = f"{reporting_ref}-{p.code}"
        _org(act, "reporting-org", ref=reporting_ref, type_="10", zh=reporting_zh, en=reporting_en)
        county = p.county
        _narratives(act, "title", p.name, p.name_en or f"{county.name_en or county.name}: {p.get_category_display()}")
        desc = _narratives(act, "description", p.description or p.name,
                           f"East–West cooperation project in {county.name_en or county.name} ({p.category}), "
                           f"from {p.year}.")
        desc.set("type", "1")
        east = getattr(p.pairing, "east_division", None) if p.pairing_id else None
        east_org = getattr(p.pairing, "east_organisation", None) if p.pairing_id else None
        if east_org is not None and east_org.uscc:
            f_ref, f_zh, f_en = f"CN-USC-{east_org.uscc}", east_org.name, east_org.name_en
        elif east is not None:
            f_ref, f_zh, f_en = f"XI-XIEZUO-{east.code}", east.name, east.name_en
        elif east_province is not None:
            f_ref, f_zh, f_en = (f"XI-XIEZUO-{east_province.code[:6]}", east_province.name,
                                 f"{east_province.name_en or east_province.name} Province")
        else:
            f_ref, f_zh, f_en = "XI-XIEZUO", "东部协作方", "Eastern partner"
        _org(act, "participating-org", ref=f_ref, type_="10", zh=f_zh, en=f_en, role="1")
        _org(act, "participating-org", ref=f"XI-XIEZUO-{county.code}", type_="10", zh=county.name,
             en=county.name_en, role="4")
        etree.SubElement(act, "activity-status", code=STATUS.get(p.status, "2"))
        etree.SubElement(act, "activity-date", type="1", **{"iso-date": f"{p.year}-01-01"})
        if p.status != "reserve":
            etree.SubElement(act, "activity-date", type="2", **{"iso-date": f"{p.year}-01-01"})
        if p.end_year:
            etree.SubElement(act, "activity-date", type="3", **{"iso-date": f"{p.end_year}-12-31"})
        etree.SubElement(act, "recipient-country", code="CN", percentage="100")
        centre = centres.get(county.code[:6])
        if centre:
            loc = etree.SubElement(act, "location", ref=f"{county.code}")
            etree.SubElement(loc, "location-reach", code="1")
            _narratives(loc, "name", county.name, county.name_en)
            pt = etree.SubElement(loc, "point", srsName="http://www.opengis.net/def/crs/EPSG/0/4326")
            etree.SubElement(pt, "pos").text = f"{centre[1]:.6f} {centre[0]:.6f}"
        etree.SubElement(act, "sector", vocabulary="1", code=SECTOR.get(p.category, "43040"), percentage="100")
        for y, amount in sorted(budgets[p.pk].items()):
            b = etree.SubElement(act, "budget", type="1", status="2")
            etree.SubElement(b, "period-start", **{"iso-date": f"{y}-01-01"})
            etree.SubElement(b, "period-end", **{"iso-date": f"{y}-12-31"})
            _value(b, amount, dt.date(y, 1, 1))
        for e in ledger[p.pk]:
            kind, sign = e.kind, Decimal(1)
            if kind == "reversal":
                kind, sign = (e.reverses.kind if e.reverses_id else "disbursement"), Decimal(-1)
            if kind not in TX_TYPE:
                continue
            tx = etree.SubElement(act, "transaction", ref=f"{p.code}-{e.pk}")
            etree.SubElement(tx, "transaction-type", code=TX_TYPE[kind])
            etree.SubElement(tx, "transaction-date", **{"iso-date": e.date.isoformat()})
            _value(tx, sign * e.amount, e.date)
            if e.voucher:
                _narratives(tx, "description", f"凭证 {e.voucher}", f"voucher {e.voucher}")
    return etree.ElementTree(root)


def write_iati(*, year: int | None = None, path: str, user=None) -> int:
    """Write the activity file; returns the number of activities."""
    tree = build_iati(year=year, user=user)
    tree.write(path, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return len(tree.getroot())
