"""Talent-exchange and training demo, deterministic from the seed (brief §6.5, book #39–#41).

- Each paired western county, 2018–2020: 2–4 eastern cadres posted west and 1–2 western cadres
  posted east, 10–30 professionals (teachers, doctors, technicians, agronomists) a year.
- A recorded programme from the region's definition (`[talent] history`); Guangyuan's: 青川 long-term
  aid, 2012–2017 (six years): 200 training sessions, 12,150 person-times, of
  which 620 medical staff (the book: 200 期, 1.2万+ 人次, 600+ 医务人员).
- 2018–2020: labour and leader training in every paired county; one 致富带头人 class per county
  in 2020 lists its attendees, linked to registry members.
These are counts of events, not of registry people, so they do not scale with --scale.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction

from xiezuo.cooperation.selectors import county_pairing_on
from xiezuo.geo.demo_region import DemoRegion, load
from xiezuo.geo.models import Division
from xiezuo.labor.demo import eligible_members

from .models import Attendee, Exchange, TrainingSession

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "建国伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华平刚桂兰"
PROFESSIONS = [("teacher", "学校", 35), ("doctor", "人民医院", 30), ("technician", "农业农村局", 20),
               ("agronomist", "农技推广中心", 15)]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")


def delete_previous() -> None:
    Attendee._base_manager.filter(synthetic=True).delete()
    TrainingSession._base_manager.filter(synthetic=True).delete()
    Exchange._base_manager.filter(synthetic=True).delete()


def build(*, scale: float = 1.0, seed: int = 2013, log: Callable[[str], None] = print,  # noqa: ARG001
          region: DemoRegion | None = None) -> dict:
    region = region or load()
    partners = region.partners_2018
    history = region.section("talent").get("history")
    rng = random.Random(f"talent-{seed}")
    with transaction.atomic():
        delete_previous()
        codes = {*partners, *partners.values(), *([history["west"], history["east"]] if history else [])}
        divs = {d.code[:6]: d for d in Division.objects.filter(level="county", code__in=[
            f"{c}000000" for c in codes])}
        pairs = [(divs[w], divs[e]) for w, e in partners.items() if w in divs and e in divs]
        if not pairs:
            log("talent: no paired counties (build the geo demo first); skipped")
            return {}
        exchanges = []
        for west, east in pairs:
            for year in (2018, 2019, 2020):
                def post(*args, west=west, east=east, year=year):
                    exchanges.append(_posting(rng, west, east, year, *args))
                for _ in range(rng.randint(2, 4)):
                    post("cadre", "e2w", f"{west.name}人民政府", f"{east.name}人民政府", rng.choice((12, 24)))
                for _ in range(rng.randint(1, 2)):
                    post("cadre", "w2e", f"{west.name}人民政府", f"{east.name}人民政府", rng.choice((6, 12)))
                for _ in range(rng.randint(10, 30)):
                    kind, unit, _w = rng.choices(PROFESSIONS, [p[2] for p in PROFESSIONS])[0]
                    post(kind, "e2w" if rng.random() < 0.8 else "w2e", f"{west.name}{unit}", f"{east.name}{unit}",
                         rng.choice((3, 6, 12)))
        sessions = _history(rng, divs, history) if history else []
        sessions += _recent(rng, pairs)
        linked = _link_pairings(exchanges, sessions)
        Exchange.objects.bulk_create(exchanges, batch_size=2000)
        TrainingSession.objects.bulk_create(sessions, batch_size=2000)
        attendees = _attendees(rng, [s for s in sessions if s.audience == "village_leaders" and s.headcount == 0],
                               prefix=region.prefix)
    log(f"talent: {len(exchanges)} exchange postings, {len(sessions)} training sessions, {attendees} attendees listed, "
        f"{linked} linked to a county pairing")
    return {"exchanges": len(exchanges), "sessions": len(sessions), "attendees": attendees, "linked": linked}


def _link_pairings(exchanges: list[Exchange], sessions: list[TrainingSession]) -> int:
    """Set `pairing` as the services do (the county pairing valid on the start or session date). Returns how many."""
    linked = 0
    for obj, on in [(e, e.start_date) for e in exchanges] + [(s, s.date) for s in sessions]:
        obj.pairing = county_pairing_on(obj.east_division_id, obj.west_division_id, on)
        linked += obj.pairing is not None
    return linked


def _posting(rng, west, east, year, kind, direction, unit_west, unit_east, months) -> Exchange:
    start = dt.date(year, rng.choice((3, 4, 6, 9)), 1)
    end_month = start.month - 1 + months
    end = dt.date(start.year + end_month // 12, end_month % 12 + 1, 1) - dt.timedelta(days=1)
    home, host = (unit_east, unit_west) if direction == "e2w" else (unit_west, unit_east)
    return Exchange(person_name=_name(rng), direction=direction, kind=kind, home_unit=home, host_unit=host,
                    west_division=west, east_division=east, start_date=start, end_date=end, synthetic=True)


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    weights = [rng.randint(50, 100) for _ in range(parts)]
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    for i in range(total - sum(shares)):
        shares[i % parts] += 1
    return shares


def _history(rng, divs, spec: dict) -> list[TrainingSession]:
    """A recorded training programme (Guangyuan: Zhejiang's for 青川 2012–2017), its totals exact."""
    west = divs.get(spec["west"])
    if west is None:
        return []
    east = divs.get(spec["east"])
    medical_sessions = spec["medical_sessions"]
    other = spec["sessions"] - medical_sessions
    medical = _split(spec["medical"], medical_sessions, rng)
    rest = _split(spec["person_times"] - spec["medical"], other, rng)
    audiences = ["cadres", "technicians", "village_leaders", "teachers"]
    rows = []
    for i, headcount in enumerate(medical + rest):
        year = spec["first_year"] + i % spec["years"]
        audience = "medical" if i < medical_sessions else audiences[i % 4]
        rows.append(TrainingSession(
            title=spec["title"].format(audience=dict(TrainingSession.Audience.choices)[audience], year=year,
                                       n=i // spec["years"] + 1),
            date=dt.date(year, rng.randint(3, 11), rng.randint(1, 28)), place=rng.choice(spec["places"]),
            organiser=spec["organiser"], audience=audience, west_division=west, east_division=east, sessions=1,
            headcount=headcount, synthetic=True))
    return rows


def _recent(rng, pairs) -> list[TrainingSession]:
    rows = []
    for west, east in pairs:
        for year in (2018, 2019, 2020):
            for audience in ("workers", "cadres", "technicians"):
                rows.append(TrainingSession(
                    title=f"{east.name}—{west.name}{dict(TrainingSession.Audience.choices)[audience]}培训班",
                    date=dt.date(year, rng.randint(3, 11), rng.randint(1, 28)), place=west.name,
                    organiser=f"{east.name}人力资源和社会保障局", audience=audience, west_division=west,
                    east_division=east, sessions=rng.randint(1, 4), headcount=rng.randint(40, 120), synthetic=True))
        rows.append(TrainingSession(title=f"{west.name}致富带头人培训班", date=dt.date(2020, 10, 15), place=east.name,
                                    organiser=f"{east.name}农业农村局", audience="village_leaders",
                                    west_division=west, east_division=east, sessions=1, headcount=0, synthetic=True))
    return rows


def _attendees(rng, sessions: list[TrainingSession], prefix: str) -> int:
    from xiezuo.registry.models import Member

    pool = eligible_members(born_from=1965, born_to=1995, prefix=prefix)
    rows = []
    for s in sessions:
        local = [m for m in pool if m[0] and m[1].startswith(s.west_division_id[:6])]
        for member_id, _v in rng.sample(local, min(20, len(local))):
            rows.append((s, member_id))
    names = dict(Member._base_manager.filter(id__in=[m for _s, m in rows]).values_list("id", "name"))
    Attendee.objects.bulk_create([Attendee(session=s, member_id=m, name=names.get(m, ""), synthetic=True)
                                  for s, m in rows])
    return len(rows)
