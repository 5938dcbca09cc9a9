"""Assistance measures (帮扶措施) as a sheet of the data-exchange mechanism (`xiezuo.dataio.specs`).

A row names the household (户编号), the category, the date and what was done, by whom, at what cost.
A measure is matched by household + date + category + content: a known one is updated (unit,
person, amount, end, result), an unknown one created through `services.measure_record`. A row
that names a monitoring case (案件编号, e.g. M000123) and the risk it answers is added through the
case's own service (`monitoring.services.measure_add`), so the case's rules apply. Each new or
changed row is rehearsed in a rolled-back savepoint (`dataio.specs.ServiceSpec`), so every refusal
shows on its row and column before anything is saved; the commit is all or none.
The links to cooperation records (project, placement, training) are made by those records' own
paths and are not imported.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import AssistanceMeasure, Category

CHANGEABLE = ("helping_unit", "helper", "amount", "end_on", "result")
FIELDS_TO_COLUMNS = {"household": "household_number", "category": "category", "on": "date", "content": "content",
                     "helping_unit": "helping_unit", "helper": "helper", "amount": "amount", "end_on": "end_date",
                     "result": "result", "risk_type": "risk_type", "case": "case"}


def _columns():
    from xiezuo.dataio.specs import Column
    from xiezuo.monitoring.models import RiskType

    return (
        Column("household_number", "户编号", "Household number", required=True, max_length=30,
               synonyms=("户号", "household")),
        Column("category", "帮扶类别", "Category", "choice", required=True, choices=Category,
               synonyms=("措施类别", "类别", "帮扶类型"),
               aliases=(("产业扶贫", "industry"), ("劳动力转移", "employment"), ("医疗扶持", "health"),
                        ("危房改造", "housing"), ("低保金", "dibao"), ("小额信贷", "finance"))),
        Column("date", "帮扶日期", "Date", "date", required=True, synonyms=("日期", "时间", "帮扶时间")),
        Column("content", "帮扶内容", "Content", max_length=200, synonyms=("措施内容", "内容")),
        Column("helping_unit", "帮扶单位", "Helping unit", max_length=100, synonyms=("单位名称", "帮扶单位名称")),
        Column("helper", "帮扶责任人", "Person responsible", max_length=50, synonyms=("责任人", "帮扶人")),
        Column("amount", "金额（元）", "Amount (yuan)", "money", min_value=Decimal("0"),
               max_value=Decimal("100000000"), synonyms=("金额", "资金", "帮扶资金（元）"),
               note_zh="元，最多两位小数", note_en="Yuan, 2 decimals"),
        Column("end_date", "结束日期", "End date", "date", synonyms=("截止日期",)),
        Column("result", "帮扶成效", "Result", max_length=200, synonyms=("成效", "结果")),
        Column("case", "监测案件编号", "Monitoring case", max_length=12, synonyms=("案件编号",),
               note_zh="可选，如 M000123；填写时须同时填写风险类型", note_en="Optional, e.g. M000123; then name the risk"),
        Column("risk_type", "针对风险", "Risk addressed", "choice", choices=RiskType, synonyms=("风险类型",),
               aliases=tuple((str(int(c)), c) for c in RiskType.values if c.startswith("0"))),
    )


def _case_pk(text: str) -> int | None:
    text = (text or "").strip().upper().lstrip("M")
    return int(text) if text.isdigit() else None


def register() -> None:
    from xiezuo.dataio import specs
    from xiezuo.monitoring.models import Case
    from xiezuo.registry.models import Household

    from . import services

    class MeasureSpec(specs.ServiceSpec):
        entity = "measures"
        title_zh = "帮扶措施"
        title_en = "Assistance measures"
        order = 85
        model = AssistanceMeasure
        columns = _columns()

        def plan(self, ctx, rows):
            numbers = {r.values["household_number"] for r in rows if r.values.get("household_number")}
            households = {h.number: h for h in Household.objects.filter(number__in=numbers).select_related("village")
                          if ctx.in_scope(h.village_id)}
            existing = {(m.household_id, m.on, m.category, m.content): m
                        for m in AssistanceMeasure.objects.filter(household__in=households.values())}
            case_pks = {_case_pk(r.values.get("case") or "") for r in rows} - {None}
            cases = {c.pk: c for c in Case.objects.filter(pk__in=case_pks)}
            seen: dict[tuple, int] = {}
            for row in rows:
                if row.action == "error":
                    continue
                v = row.values
                hh = households.get(v["household_number"])
                if hh is None:
                    ctx.error(row, self.col("household_number"), v["household_number"],
                              _("No household with this number in your area."))
                    continue
                content = (v.get("content") or "").strip()
                key = (hh.pk, v["date"], v["category"], content)
                if key in seen:
                    ctx.error(row, self.col("content"), content,
                              _("The same household, date, category and content are already on row %(row)d.")
                              % {"row": seen[key]})
                    continue
                seen[key] = row.number
                fields = {"helping_unit": v.get("helping_unit") or "", "helper": v.get("helper") or "",
                          "amount": v.get("amount") if v.get("amount") is not None else Decimal("0.00"),
                          "end_on": v.get("end_date"), "result": v.get("result") or ""}
                measure = existing.get(key)
                if measure is not None:
                    row.diff = {n: (getattr(measure, n), fields[n]) for n in CHANGEABLE if getattr(measure, n) != fields[n]}
                    row.obj = {"measure": measure, **fields}
                    row.action = "changed" if row.diff else "unchanged"
                else:
                    case = None
                    if v.get("case"):
                        case = cases.get(_case_pk(v["case"]))
                        if case is None or case.household_id != hh.pk:
                            ctx.error(row, self.col("case"), v["case"], _("No such case for this household."))
                            continue
                        if not v.get("risk_type"):
                            ctx.error(row, self.col("risk_type"), "", _("Name the risk the measure answers."))
                            continue
                    row.obj = {"household": hh, "category": v["category"], "on": v["date"], "content": content,
                               "case": case, "risk_type": v.get("risk_type") or "", **fields}
                    row.action = "new"
                if row.action in ("new", "changed"):
                    self.rehearse(ctx, row)

        def write(self, ctx, row) -> AssistanceMeasure:
            from xiezuo.monitoring import services as monitoring_services

            user = ctx.user if ctx.user is not None else monitoring_services.SystemUser()
            data = dict(row.obj)
            if row.action == "changed":
                measure = data.pop("measure")
                return services.measure_update(measure=measure, user=user, **data)
            if data["case"] is not None:
                return monitoring_services.measure_add(
                    case=data["case"], kind=data["category"], risk_type=data["risk_type"], responsible=data["helper"],
                    start_on=data["on"], end_on=data["end_on"], amount=data["amount"], result=data["result"],
                    description=data["content"], helping_unit=data["helping_unit"], user=user)
            return services.measure_record(user=user, **data)

        def report(self, ctx, row, exc: Exception) -> None:
            if isinstance(exc, PermissionDenied):
                ctx.error(row, self.col("household_number"), row.values.get("household_number"),
                          _("You may not record measures for this household (its area or its personal data)."))
                return
            by_field = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            for name, messages in by_field.items():
                column = FIELDS_TO_COLUMNS.get(name, "household_number")
                ctx.error(row, self.col(column), row.values.get(column), " ".join(messages))

        def export_queryset(self, *, user, params):
            qs = AssistanceMeasure.objects.restrict(user, "view").select_related("household")
            year = params.get("year") if hasattr(params, "get") else None
            if year and str(year).isdigit():
                qs = qs.filter(year=int(year))
            return qs.order_by("household__number", "on", "id")

        def export_row(self, obj, *, unmask: bool) -> dict[str, Any]:
            return {"household_number": obj.household.number, "category": obj.category, "date": obj.on,
                    "content": obj.content, "helping_unit": obj.helping_unit, "helper": obj.helper,
                    "amount": obj.amount, "end_date": obj.end_on, "result": obj.result,
                    "case": f"M{obj.case_id:06d}" if obj.case_id else "", "risk_type": obj.risk_type}

    specs.register(MeasureSpec())
