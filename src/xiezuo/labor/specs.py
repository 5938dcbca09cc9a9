"""Job placements through the data-exchange mechanism (`xiezuo.dataio.specs`).

A row names the member by identity number, found through the keyed hash
(`accounts.crypto.lookup_hash`, the same one `registry.services.member_identity_fields`
stores); the number is never stored or echoed by this sheet. A row carrying a record number
(记录编号, every export has it) updates that placement: its identity number may then be the
export's mask, equal to the member's stored mask (a mask alone names nobody, so without a record
number it is refused). Otherwise a placement is matched by member + employer + start date: a
known one is updated (place, end date, wage), an unknown one created.

Every new or changed row is first tried through `xiezuo.labor.services` inside a savepoint
that is rolled back (`dataio.specs.ServiceSpec`), so the services' rules (member alive, in the user's edit scope and of
working age, dates in order, wage exact and above zero) are reported by row and column before
anything is written; the commit runs the same services for real in the importer's single
transaction (all or none), each audited.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from xiezuo.dates import EARLIEST

from .models import Place, Placement

CHANGEABLE = ("place", "end_date", "monthly_wage")


def _place_aliases() -> list[tuple[str, str]]:
    """Short forms of the places, and the eastern partner province by its own names (浙江省, 浙江, Zhejiang on
    the Guangyuan demo): the division tree's, so a file written before the value was region-neutral still
    reads, on the deployment it was written for, without the code naming any province."""
    from xiezuo.accounts.region import partner_region

    aliases = [("县内", Place.LOCAL), ("省内", Place.IN_PROVINCE), ("省外", Place.OTHER_PROVINCE),
               ("东部", Place.PARTNER_PROVINCE), ("东部协作地", Place.PARTNER_PROVINCE),
               ("协作省份", Place.PARTNER_PROVINCE), ("东部协作省份", Place.PARTNER_PROVINCE)]
    for division in partner_region():
        short = division.name.removesuffix("省").removesuffix("市")
        aliases += [(name, Place.PARTNER_PROVINCE) for name in {division.name, short, division.name_en} if name]
    return aliases


def _columns():
    from xiezuo.dataio.specs import Column, record_key_column

    return (
        Column("id_number", "身份证号", "Identity number", "id_number", required=True, mask="id",
               synonyms=("身份证号码", "公民身份号码"), note_zh="18位，设置为文本格式", note_en="18 digits, as text"),
        Column("name", "姓名", "Name", max_length=50, note_zh="可选，填写时须与登记一致",
               note_en="Optional; must match the registry when given"),
        Column("employer", "就业单位", "Employer", required=True, max_length=200, synonyms=("用工单位", "工作单位")),
        Column("place", "就业地点", "Where", "choice", required=True, choices=Place, synonyms=("务工地点", "就业地"),
               aliases=_place_aliases),
        Column("start_date", "就业开始日期", "Start date", "date", required=True, min_value=EARLIEST, synonyms=("开始日期", "入职日期")),
        Column("end_date", "就业结束日期", "End date", "date", synonyms=("结束日期", "离职日期")),
        Column("monthly_wage", "月工资（元）", "Monthly wage (yuan)", "money", required=True,
               min_value=Decimal("0.01"), max_value=Decimal("1000000"), synonyms=("月工资", "月收入"),
               note_zh="元，大于零，最多两位小数", note_en="Yuan, above 0, 2 decimals"),
        record_key_column(),
    )


def register() -> None:
    from xiezuo.accounts import crypto
    from xiezuo.dataio import specs
    from xiezuo.registry.models import Member

    from . import services

    class PlacementSpec(specs.ServiceSpec):
        entity = "placements"
        title_zh = "转移就业"
        title_en = "Job placements"
        order = 60
        model = Placement
        columns = _columns()

        def report(self, ctx, row, exc: Exception) -> None:
            if isinstance(exc, PermissionDenied):
                ctx.error(row, self.col("id_number"), "", _("This member is not in your area."))
                return
            by_field = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            for field, messages in by_field.items():
                name = field if field in {c.name for c in self.columns} else "id_number"
                value = "" if name == "id_number" else row.values.get(name)
                ctx.error(row, self.col(name), value, " ".join(messages))

        def plan(self, ctx, rows):
            id_col = self.col("id_number")
            keyed = specs.keyed_records(ctx, self, rows, Placement.objects.restrict(ctx.user, "change")
                                        .select_related("member"))
            for row in rows:
                v = row.values
                if row.action == "error":
                    continue
                if "*" not in v["id_number"]:
                    v["_hash"] = crypto.lookup_hash(v["id_number"])
                elif v.get(specs.RECORD_KEY) is None:
                    # a mask names nobody: only the record number of the export it came from says whose it is
                    ctx.error(row, id_col, v["id_number"], _(
                        "A masked identity number cannot be imported without its record number (记录编号, "
                        "the export's column): keep that column, or type the full number."))
            members: dict[str, Member] = {}
            hashes = {r.values["_hash"] for r in rows if "_hash" in r.values}
            for m in Member.objects.filter(id_number_hash__in=hashes).select_related("household").order_by("deceased"):
                members.setdefault(m.id_number_hash, m)  # a living member first
            existing: dict[tuple[int, str, Any], Placement] = {}
            for p in Placement.objects.filter(member__in=list(members.values())):
                existing[(p.member_id, p.employer, p.start_date)] = p
            seen: dict[tuple, int] = {}
            seen_keys: dict[int, int] = {}
            for row in rows:
                if row.action == "error":
                    continue
                v = row.values
                placement = keyed.get(v.get(specs.RECORD_KEY))
                if placement is not None:
                    member = placement.member
                    if v["record_key"] in seen_keys:
                        ctx.error(row, self.col(specs.RECORD_KEY), v["record_key"],
                                  _("The same record number is already on row %(row)d.") % {"row": seen_keys[v["record_key"]]})
                        continue
                    seen_keys[v["record_key"]] = row.number
                    same = (v["id_number"] == member.id_number_masked if "*" in v["id_number"]
                            else v["_hash"] == member.id_number_hash)
                    if not same:
                        ctx.error(row, id_col, v["id_number"], _(
                            "The identity number is not that of this record's member: a record number keeps its "
                            "member. Leave the record number empty to add a placement for another member."))
                        continue
                else:
                    member = members.get(v["_hash"])
                    if member is None:
                        ctx.error(row, id_col, "", _("No registry member has this identity number."))
                        continue
                if v.get("name") and v["name"] != member.name:
                    ctx.error(row, self.col("name"), v["name"],
                              _("The name differs from the registry's for this identity number."))
                    continue
                key = (member.pk, v["employer"], v["start_date"])
                if key in seen:
                    ctx.error(row, self.col("start_date"), v["start_date"],
                              _("The same member, employer and start date are already on row %(row)d.")
                              % {"row": seen[key]})
                    continue
                seen[key] = row.number
                fields = {"place": v["place"], "end_date": v.get("end_date"), "monthly_wage": v["monthly_wage"]}
                if placement is None:
                    placement = existing.get(key)
                    changeable = CHANGEABLE
                else:  # the record number names it: its employer and start date may be corrected too
                    fields.update(employer=v["employer"], start_date=v["start_date"])
                    changeable = (*CHANGEABLE, "employer", "start_date")
                if placement is None:
                    row.action = "new"
                    row.obj = {"member": member, "employer": v["employer"], "start_date": v["start_date"], **fields}
                else:
                    row.diff = {n: (getattr(placement, n), fields[n]) for n in changeable
                                if getattr(placement, n) != fields[n]}
                    row.obj = {"placement": placement, **fields}
                    row.action = "changed" if row.diff else "unchanged"
                if row.action in ("new", "changed"):
                    self.rehearse(ctx, row)

        def write(self, ctx, row) -> Placement:
            data = dict(row.obj)
            if row.action == "new":
                return services.placement_create(user=ctx.user, **data)
            placement = Placement.objects.get(pk=data.pop("placement").pk)
            return services.placement_update(user=ctx.user, placement=placement, **data)

        def export_queryset(self, *, user, params):
            qs = Placement.objects.restrict(user, "view").select_related("member")
            year = params.get("year") if hasattr(params, "get") else None
            if year and str(year).isdigit():
                qs = qs.filter(start_date__year=int(year))
            return qs.order_by("start_date", "id")

        def export_row(self, obj, *, unmask: bool) -> dict[str, Any]:
            from xiezuo.registry.services import member_id_number

            m = obj.member
            return {"id_number": member_id_number(m) if unmask else m.id_number_masked, "name": m.name,
                    "employer": obj.employer, "place": obj.place, "start_date": obj.start_date,
                    "end_date": obj.end_date, "monthly_wage": obj.monthly_wage, specs.RECORD_KEY: obj.pk}

    specs.register(PlacementSpec())
