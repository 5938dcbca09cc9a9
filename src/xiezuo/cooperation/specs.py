"""Visits, meetings and enterprise investment through the data-exchange mechanism (`xiezuo.dataio.specs`).

The cooperation offices keep these lists in Excel; one sheet per kind imports and exports them. A
row is matched to a stored record by its natural key: a visit or a meeting by (western county,
date, title), an enterprise by (western county, year, name); a known one is updated, an unknown one
created. The pairing is not a column: the services link the county pairing valid on the date.

Every new or changed row is first tried through `xiezuo.cooperation.services` inside a savepoint
that is rolled back (`dataio.specs.ServiceSpec`), so the services' rules (a western county, an
eastern partner in the east, exact non-negative money, a valid credit code, the user's scope) are
reported by row and column before anything is written; the commit runs the same services for real
in the importer's single transaction, each write audited.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from xiezuo.dates import EARLIEST

from .models import Enterprise, Meeting, Visit

# the sheet's division columns -> the services' fields
SIDES = {"west": "west_division", "east": "east_division"}


def _sides():
    from xiezuo.dataio.specs import Column

    return (
        Column("west", "西部县代码", "Western county code", "division", required=True,
               synonyms=("县代码", "西部县区代码", "受援县代码"), note_zh="12位统计用区划代码",
               note_en="12-digit statistical code"),
        Column("east", "东部结对方代码", "Eastern partner code", "division",
               synonyms=("东部县代码", "东部结对县代码", "结对方代码"), note_zh="可选；留空则按结对关系",
               note_en="Optional; the pairing's partner when blank"),
    )


def _visit_columns():
    from xiezuo.dataio.specs import Column

    return (
        Column("date", "日期", "Date", "date", required=True, min_value=EARLIEST, synonyms=("考察日期", "互访日期")),
        Column("kind", "方向", "Direction", "choice", required=True, choices=Visit.Kind, synonyms=("互访方向",),
               aliases=(("东到西", "e2w"), ("来访", "e2w"), ("西到东", "w2e"), ("出访", "w2e"))),
        Column("title", "事由", "Title", required=True, max_length=300, synonyms=("标题", "主题", "考察事由")),
        Column("leader", "带队领导", "Leader or delegation", max_length=300, synonyms=("带队", "领导", "代表团")),
        *_sides(),
        Column("note", "备注", "Note", max_length=2000),
    )


def _meeting_columns():
    from xiezuo.dataio.specs import Column

    return (
        Column("date", "日期", "Date", "date", required=True, min_value=EARLIEST, synonyms=("会议日期",)),
        Column("kind", "会议类型", "Kind", "choice", required=True, choices=Meeting.Kind, synonyms=("类型",),
               aliases=(("联席会", "joint"), ("签约仪式", "signing"), ("其他", "other"))),
        Column("title", "会议名称", "Title", required=True, max_length=300, synonyms=("名称", "标题")),
        *_sides(),
        Column("note", "备注", "Note", max_length=2000),
    )


def _enterprise_columns():
    from xiezuo.dataio.specs import Column

    money = {"min_value": Decimal("0"), "max_value": Decimal("100000000000000"),
             "note_zh": "元，最多两位小数；留空为0", "note_en": "Yuan, 2 decimals; blank is 0"}
    return (
        Column("year", "年度", "Year", "year", required=True, min_value=2013, max_value=2100,
               synonyms=("落地年度", "引进年度")),
        Column("name", "企业名称", "Enterprise", required=True, max_length=200, synonyms=("企业", "名称")),
        Column("uscc", "统一社会信用代码", "Unified social credit code", max_length=18, synonyms=("信用代码",),
               note_zh="18位，可选", note_en="18 characters, optional"),
        *_sides(),
        Column("industry", "行业", "Industry", max_length=100, synonyms=("所属行业", "产业")),
        Column("investment_planned", "计划投资（元）", "Planned investment (yuan)", "money",
               synonyms=("计划投资", "协议投资"), **money),
        Column("investment_arrived", "到位投资（元）", "Investment arrived (yuan)", "money",
               synonyms=("到位投资", "到位资金"), **money),
        Column("in_production", "是否投产", "In production", "bool", synonyms=("投产",),
               note_zh="是/否；留空为否", note_en="Yes/no; blank is no"),
        Column("poor_people_driven", "带动贫困人口（人）", "Poor people driven", "int", min_value=0,
               max_value=10_000_000, synonyms=("带动贫困人口", "带动贫困户人数")),
        Column("note", "备注", "Note", max_length=2000),
    )


def register() -> None:
    from xiezuo.dataio import specs
    from xiezuo.geo.models import Division

    from . import services

    class CooperationSheet(specs.ServiceSpec):
        """One of the three sheets: `key` names the natural key after the western county, `blank`
        gives the value of an empty optional cell, `create`/`update` are the services and
        `record` the update's keyword for the stored record."""

        key: ClassVar[tuple[str, ...]] = ()
        blank: ClassVar[dict[str, Any]] = {}
        create: ClassVar[Any] = None
        update: ClassVar[Any] = None
        record: ClassVar[str] = ""

        def fields(self, row) -> dict[str, Any]:
            names = [c.name for c in self.columns if c.name not in SIDES]
            return {n: row.values[n] if row.values.get(n) is not None else self.blank.get(n, "") for n in names}

        def stored_key(self, obj) -> tuple:
            return (obj.west_division_id, *(getattr(obj, k) for k in self.key))

        def report(self, ctx, row, exc: Exception) -> None:
            if isinstance(exc, PermissionDenied):
                ctx.error(row, self.col("west"), row.values.get("west"), _("This county is outside your area."))
                return
            columns = {c.name for c in self.columns}
            by_field = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            for field, messages in by_field.items():
                name = {v: k for k, v in SIDES.items()}.get(field, field)
                name = name if name in columns else self.columns[0].name
                ctx.error(row, self.col(name), row.values.get(name), " ".join(messages))

        def plan(self, ctx, rows):
            codes = {r.values.get(c) for r in rows for c in SIDES} - {None, ""}
            divisions = Division.objects.in_bulk(list(codes), field_name="code")
            west = {r.values["west"] for r in rows}
            existing = {self.stored_key(o): o for o in self.model.objects.filter(west_division__code__in=west)}
            seen: dict[tuple, int] = {}
            for row in rows:
                v = row.values
                data = self.fields(row)
                for column, field in SIDES.items():
                    code = v.get(column)
                    data[field] = divisions.get(code) if code else None
                    if code and data[field] is None:
                        ctx.error(row, self.col(column), code, _("Unknown division code."))
                if row.action == "error":
                    continue
                if not ctx.in_scope(v["west"]):
                    ctx.error(row, self.col("west"), v["west"], _("This county is outside your area."))
                    continue
                key = (v["west"], *(data[k] for k in self.key))
                if key in seen:
                    ctx.error(row, self.col(self.key[-1]), v.get(self.key[-1]),
                              _("The same record is already on row %(row)d.") % {"row": seen[key]})
                    continue
                seen[key] = row.number
                obj = existing.get(key)
                if obj is None:
                    row.action, row.obj = "new", data
                else:
                    row.diff = {n: (getattr(obj, n), new) for n, new in data.items() if getattr(obj, n) != new}
                    row.action, row.obj = ("changed" if row.diff else "unchanged"), {self.record: obj, **data}
                if row.action in ("new", "changed"):
                    self.rehearse(ctx, row)

        def write(self, ctx, row):
            if row.action == "new":
                return type(self).create(user=ctx.user, **row.obj)
            return type(self).update(user=ctx.user, **row.obj)

        def export_queryset(self, *, user, params):
            qs = self.model.objects.restrict(user, "view")
            year = params.get("year") if hasattr(params, "get") else None
            if year and str(year).isdigit():
                qs = qs.filter(**{"year" if "year" in self.key else "date__year": int(year)})
            return qs.order_by("west_division_id", *self.key, "id")

        def export_row(self, obj, *, unmask: bool) -> dict[str, Any]:
            row = {c.name: getattr(obj, c.name) for c in self.columns if c.name not in SIDES}
            return {**row, "west": obj.west_division_id, "east": obj.east_division_id or ""}

    class VisitSheet(CooperationSheet):
        entity, title_zh, title_en, order, model = "visits", "互访交流", "Visits", 70, Visit
        columns = _visit_columns()
        key = ("date", "title")
        create, update, record = services.visit_create, services.visit_update, "visit"

    class MeetingSheet(CooperationSheet):
        entity, title_zh, title_en, order, model = "meetings", "会议", "Meetings", 71, Meeting
        columns = _meeting_columns()
        key = ("date", "title")
        create, update, record = services.meeting_create, services.meeting_update, "meeting"

    class EnterpriseSheet(CooperationSheet):
        entity, title_zh, title_en, order, model = "enterprises", "落地企业", "Enterprise investment", 72, Enterprise
        columns = _enterprise_columns()
        key = ("year", "name")
        blank = {"investment_planned": Decimal("0.00"), "investment_arrived": Decimal("0.00"),
                 "in_production": False, "poor_people_driven": 0}
        create, update, record = services.enterprise_create, services.enterprise_update, "enterprise"

    for sheet in (VisitSheet, MeetingSheet, EnterpriseSheet):
        specs.register(sheet())
