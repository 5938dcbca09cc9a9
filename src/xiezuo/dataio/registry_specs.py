"""The registry's three tabular specs: households, members and yearly facts.

Matching keys: a household by its number (户编号); a member by identity number (keyed
hash) or, when the file carries the masked form an ordinary export writes, by household
number + masked number + name; a year's facts by household number + year. Columns absent
from a file are left alone; masked phones and bank accounts that still match the stored
value count as unchanged (the round trip of a masked export).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from operator import mul
from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _

from xiezuo.accounts import chain, crypto
from xiezuo.accounts.models import AuditEntry
from xiezuo.dates import EARLIEST
from xiezuo.geo.models import Division
from xiezuo.registry import choices
from xiezuo.registry.identity import InvalidIdNumber, check_id_number
from xiezuo.registry.models import Household, HouseholdYear, Member
from xiezuo.registry.services import (
    duplicate_checks_paused,
    duplicate_identity_answer,
    duplicate_probes_left,
    member_identity_fields,
    status_transition_error,
)

from .cells import YearMonth, display
from .fastdb import insert_rows
from .specs import Column, ImportRow, TabularSpec, register

CHUNK = 900
MONEY_MAX = Decimal("10000000")
MASKERS = {"id": crypto.mask_id_number, "phone": crypto.mask_phone, "account": crypto.mask_account}
# Columns stored encrypted (`<name>_enc`) with a masked copy (`<name>_masked`): column name -> mask kind.
SEALED = {"phone": "phone", "bank_account": "account"}


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ZERO = 48 * sum(_WEIGHTS)  # the weighted sum works on ASCII codes: subtract '0' × weights


def check_identity(raw: str, today: dt.date):
    """`registry.identity.check_id_number`, with a fast path for well-formed 18-digit numbers
    (the same rules: format, GB 11643 check digit, a possible date of birth). Anything else goes
    through `check_id_number`, which raises with its own message. The region-code warning is
    not computed on the fast path."""
    n = raw
    if len(n) == 18 and n[:17].isdigit() and (n[17].isdigit() or n[17] == "X"):
        check = "10X98765432"[(sum(map(mul, n[:17].encode(), _WEIGHTS)) - _ZERO) % 11]
        if check == n[17]:
            try:
                birth = dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
            except ValueError:
                birth = None
            if birth is not None and birth <= today and birth.year >= 1890:
                return n, birth, "M" if int(n[16]) % 2 else "F"
    checked = check_id_number(raw, today=today)
    return checked.number, checked.birth_date, checked.sex


def chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def matching(qs, field: str, keys: Iterable, key=None) -> Iterator:
    """The rows of `qs` whose `field` is one of `keys`: chunked IN queries when the keys are few
    compared with the table, one streamed scan filtered here when they are a large share of it
    (an initial load or a re-import of a whole county), which is far cheaper than 1,000 IN lists."""
    keys = set(keys)
    if not keys:
        return
    if len(keys) * 4 >= qs.model.objects.count():
        get = key or (lambda row: row[0])
        for row in qs.iterator(chunk_size=5000):
            if get(row) in keys:
                yield row
        return
    for part in chunks(sorted(keys)):
        yield from qs.filter(**{f"{field}__in": part})


def _default(model, name: str) -> Any:
    if name in SEALED:
        return ""
    f = model._meta.get_field(name)
    if f.has_default():
        d = f.get_default()
        return d
    if f.null:
        return None
    return ""


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        try:
            return Decimal(a or 0).quantize(Decimal("0.01")) == Decimal(b or 0).quantize(Decimal("0.01"))
        except (TypeError, ValueError, ArithmeticError):
            return False
    if isinstance(a, list) or isinstance(b, list):
        return sorted(a or []) == sorted(b or [])
    return a == b


def _sealed_cell(obj, name: str, unmask: bool) -> str:
    """A phone or bank account for an export: decrypted only when unmasking (audited by the caller)."""
    return crypto.unseal(getattr(obj, f"{name}_enc")) if unmask else getattr(obj, f"{name}_masked")


def _masked(value: Any) -> bool:
    return isinstance(value, str) and "*" in value


def _secret(col: Column, value: Any) -> Any:
    return "***" if col.mask and value else value


class RegistrySpec(TabularSpec):
    """Shared diff and write machinery; subclasses say how rows find their records."""

    field_columns: tuple[str, ...] = ()

    def _compare(self, ctx, row: ImportRow, obj, present: list[Column]) -> dict[str, tuple[Any, Any]]:
        """Field-level diff between a cleaned row and a stored record (masked cells compared masked)."""
        diff = {}
        for col in self._writable(present):
            new = row.values.get(col.name)
            old = crypto.unseal(obj[col.name]) if col.name in SEALED else obj[col.name]
            if new is None:
                new = _default(self.model, col.name)
            if col.mask and _masked(new):
                if MASKERS[col.mask](old or "") != new:
                    ctx.error(row, col, new, _("A masked value cannot be imported: type the full value, or export "
                                               "with unmasking to round-trip it."))
                continue
            if not _same(old, new):
                diff[col.name] = (_secret(col, old), _secret(col, new))
                row.values[col.name] = new
        return diff

    def _writable(self, present: list[Column]) -> list[Column]:
        """The present columns that are fields, computed once per plan (not once per row)."""
        cached = self.__dict__.get("_writable_cache")
        if cached is not None and cached[0] is present:
            return cached[1]
        names = set(self.field_columns)
        cols = [c for c in present if c.name in names]
        self.__dict__["_writable_cache"] = (present, cols)
        return cols

    def _fields_for_new(self, ctx, row: ImportRow, present: list[Column]) -> dict[str, Any] | None:
        fields = {}
        values = row.values
        for col in self._writable(present):
            v = values.get(col.name)
            if v is None:
                continue
            if col.mask and _masked(v):
                ctx.error(row, col, v, _("A masked value cannot be imported: type the full value, or export "
                                         "with unmasking to round-trip it."))
                return None
            if v.__class__ is YearMonth:  # the bulk insert's database adapters know plain dates only
                v = dt.date(v.year, v.month, v.day)
            if col.name in SEALED:
                fields[f"{col.name}_enc"], fields[f"{col.name}_masked"] = crypto.seal(v, SEALED[col.name])
            else:
                fields[col.name] = v
        return fields

    def existing_values(self, qs, *extra: str, **annotations):
        """Stored records as dicts (model instances cost more than the whole comparison)."""
        names = ["id", *extra, *(self.attname(n) for n in self.field_columns if n not in SEALED)]
        sealed = {n: F(f"{n}_enc") for n in self.field_columns if n in SEALED}  # ciphertext; _compare decrypts
        return qs.values(*dict.fromkeys(names), **annotations, **sealed)

    @staticmethod
    def attname(name: str) -> str:
        return "village_id" if name == "village" else name

    def write_changes(self, ctx, changed: list[ImportRow], action: str, division_of, repr_of) -> None:
        """bulk_update the changed rows (every listed field is written, so unchanged ones keep their
        stored value), then one audit row each with the before/after of the changed fields."""
        if not changed:
            return
        from django.utils import timezone

        names = sorted({n for r in changed for n in r.diff})
        fields = [f for n in names for f in ((f"{n}_enc", f"{n}_masked") if n in SEALED else (self.attname(n),))]
        has_updated = any(f.name == "updated_at" for f in self.model._meta.concrete_fields)
        now = timezone.now()
        objs = []
        for r in changed:
            data = {}
            for n in names:
                if n in SEALED:  # sealed again (a new nonce) when another row changed it: same value
                    clear = r.values[n] if n in r.diff else crypto.unseal(r.obj[n])
                    data[f"{n}_enc"], data[f"{n}_masked"] = crypto.seal(clear, SEALED[n])
                else:
                    data[self.attname(n)] = r.values[n] if n in r.diff else r.obj[self.attname(n)]
            obj = self.model(id=r.obj["id"], **data)
            if has_updated:
                obj.updated_at = now
            objs.append(obj)
        self.model.objects.bulk_update(objs, fields + (["updated_at"] if has_updated else []), batch_size=500)
        self.audit_rows(ctx, action, ((r.obj["id"], repr_of(r.obj), division_of(r), *self.diff_dicts(r.diff))
                                      for r in changed))

    def present(self, ctx, rows: list[ImportRow]) -> list[Column]:
        if not rows:
            return []
        sheets = {r.sheet for r in rows}
        return [c for c in self.columns if any((s, c.name) in ctx.headers for s in sheets)]

    def _audit_base(self, ctx, action: str) -> dict:
        """The columns every audit row of this import shares (as `accounts.audit.record` fills them)."""
        from xiezuo.accounts.context import current

        now = current()
        user = ctx.user
        return {
            "actor_id": user.pk if getattr(user, "pk", None) else None,
            "actor_name": getattr(user, "username", "") or "system", "action": action,
            "target_type": self.model._meta.label_lower, "source": now.source, "request_id": now.request_id,
            "ip": now.ip,
        }

    def audit_rows(self, ctx, action: str, items: Iterable[tuple[int, str, str, dict | None, dict | None]]) -> None:
        """One audit row per written record: (pk, repr, division code, before, after), in bulk,
        with the same fields `accounts.audit.record` writes; the job id is the request id."""
        base = self._audit_base(ctx, action)
        base["data"] = {"job": ctx.job_id} if ctx.job_id else None
        rows, base, finish = chain.linked_rows(
            ({"target_id": str(pk), "target_repr": text[:200], "division_code": division, "before": before,
              "after": after} for pk, text, division, before, after in items), base)
        insert_rows(AuditEntry, rows, constants=base)
        finish()

    def audit_created(self, ctx, action: str, items: Iterable[tuple[int, str]]) -> None:
        """The records this job created, as one audit row per village: (pk, division code) pairs
        grouped into `data = {"job", "created": [pks]}`, scoped by the village like a per-record row.
        Used for members and yearly facts, the parts of a household (whose own creation, and every
        change to any record with its before/after, keep one row each): a county's first load
        creates ~420 k of them, and a row each doubled the cost of writing them."""
        by_division: dict[str, list[int]] = {}
        for pk, division in items:
            by_division.setdefault(division, []).append(pk)
        if not by_division:
            return
        base = {**self._audit_base(ctx, action), "target_id": ""}
        label = str(self.model._meta.verbose_name_plural)
        rows, base, finish = chain.linked_rows(
            ({"target_repr": f"{len(pks)} × {label}"[:200], "division_code": division,
              "data": {"job": ctx.job_id, "created": sorted(pks)}} for division, pks in sorted(by_division.items())),
            base)
        insert_rows(AuditEntry, rows, constants=base)
        finish()

    def new_pks(self, key_fields: tuple[str, ...], floor: int | None, keys: set) -> dict:
        """pks of the rows just inserted (pk above `floor`), by natural key."""
        qs = self.model.objects.all()
        if floor is not None:
            qs = qs.filter(pk__gt=floor)
        out = {}
        for values in qs.values_list("pk", *key_fields).iterator(chunk_size=5000):
            key = values[1] if len(values) == 2 else values[1:]
            if key in keys:
                out[key] = values[0]
        return out

    def max_pk(self) -> int | None:
        from django.db.models import Max

        return self.model.objects.aggregate(m=Max("pk"))["m"]

    @staticmethod
    def diff_dicts(diff: dict[str, tuple[Any, Any]]) -> tuple[dict, dict]:
        from xiezuo.accounts.audit import _jsonable

        return ({k: _jsonable(a) for k, (a, _b) in diff.items()}, {k: _jsonable(b) for k, (_a, b) in diff.items()})

    def households_by_number(self, ctx, numbers: Iterable[str]) -> dict[str, tuple[int, str]]:
        """Stored households: number -> (pk, village code), plus valid new ones from this file (pk None)."""
        found: dict[str, tuple[int, str]] = {}
        numbers = sorted(set(numbers))
        for pk, number, village in matching(Household.objects.values_list("pk", "number", "village_id"), "number",
                                            numbers, key=lambda r: r[1]):
            found[number] = (pk, village)
        for r in ctx.rows_by_entity.get("households", []):
            if r.action in ("new",) and r.values["number"] not in found:
                found[r.values["number"]] = (None, r.values["village"])
        return found

    def household_parent(self, ctx, row: ImportRow, parents: dict[str, tuple[int, str]]):
        col = self.columns[0]
        number = row.values["household_number"]
        parent = parents.get(number)
        if parent is None:
            ctx.error(row, col, number, _("No household with this number, in the registry or in this file: "
                                          "import the household first."))
            return None
        if not ctx.in_scope(parent[1]):
            ctx.error(row, col, number, _("This household is outside your area; you cannot change it."))
            return None
        return parent

    def resolve_household_ids(self, rows: list[ImportRow]) -> dict[str, int]:
        numbers = sorted({r.values["household_number"] for r in rows})
        ids: dict[str, int] = {}
        ids.update(matching(Household.objects.values_list("number", "pk"), "number", numbers))
        return ids


# -- households --------------------------------------------------------------------------

def C(name, zh, en, type="str", **kw) -> Column:  # noqa: A002 - a short constructor for the tables below
    return Column(name=name, zh=zh, en=en, type=type, **kw)


YN_NOTE = "填“是”或“否”"
MU = {"min_value": Decimal("0"), "max_value": Decimal("100000")}


class HouseholdSpec(RegistrySpec):
    entity = "households"
    title_zh = "贫困户"
    title_en = "Households"
    order = 10
    model = Household
    # the head's identity number is on the head's member row (relation 户主): the template
    # carries the members sheet, and the yearly facts, in the same workbook
    template_with = ("members", "facts")
    columns = (
        C("number", "户编号", "Household number", required=True, max_length=30, synonyms=("户码", "户号"),
          note_zh="每户唯一的编号，导入时按它匹配已有的户", note_en="Unique per household; used to match existing rows"),
        C("village", "村代码", "Village code", "division", required=True,
          synonyms=("行政区划代码", "区划代码", "村级代码", "所在村代码", "village"),
          note_zh="12位统计用区划代码（省2、市2、县2、乡镇3、村3位）",
          note_en="12-digit statistical code (province 2, city 2, county 2, township 3, village 3 digits)"),
        C("head_name", "户主姓名", "Head of household", required=True, max_length=50, synonyms=("户主",)),
        C("attribute", "贫困户属性", "Household attribute", "choice", choices=choices.HouseholdAttribute,
          synonyms=("户属性",)),
        C("standard", "识别标准", "Identification standard", "choice", choices=choices.IdentificationStandard),
        C("status", "户状态", "Status", "choice", choices=choices.HouseholdStatus, synonyms=("状态", "贫困户状态")),
        C("identified_on", "识别时间", "Identified on", "date", synonyms=("识别日期", "纳入时间"),
          min_value=EARLIEST, note_zh="日期，如 2014-06-30", note_en="A date, e.g. 2014-06-30"),
        C("exit_year", "脱贫年度", "Exit year", "year", min_value=2013, max_value=2100, synonyms=("脱贫年份",)),
        C("main_cause", "主要致贫原因", "Main cause of poverty", "choice", choices=choices.Cause,
          synonyms=("致贫原因",)),
        C("other_causes", "其他致贫原因", "Other causes", "multichoice", choices=choices.Cause,
          note_zh="可填多个，用顿号分隔", note_en="Several allowed, separated by 、 or commas"),
        C("military_family", "是否军烈属", "Military or martyr family", "bool", note_zh=YN_NOTE),
        C("only_child", "是否独生子女户", "Only-child household", "bool", note_zh=YN_NOTE),
        C("two_daughters", "是否双女户", "Two-daughter household", "bool", note_zh=YN_NOTE),
        C("phone", "联系电话", "Phone", max_length=20, mask="phone", synonyms=("电话", "手机号码")),
        C("bank_name", "开户银行", "Bank", max_length=50),
        C("bank_account", "银行账号", "Bank account", max_length=32, mask="account", synonyms=("银行卡号",)),
        C("cultivated_mu", "耕地面积（亩）", "Cultivated land (mu)", "decimal", synonyms=("耕地面积",), **MU),
        C("forest_mu", "林地面积（亩）", "Forest land (mu)", "decimal", synonyms=("林地面积",), **MU),
        C("road_distance_km", "距村主干路距离（公里）", "Distance to main road (km)", "decimal",
          min_value=Decimal("0"), max_value=Decimal("1000"), synonyms=("距主干路距离",)),
        C("road_type", "入户路类型", "Access road", "choice", choices=choices.RoadType, synonyms=("道路类型",)),
        C("housing_area_m2", "住房面积（平方米）", "Housing area (m2)", "decimal",
          min_value=Decimal("0"), max_value=Decimal("10000"), synonyms=("住房面积",)),
        C("relocated", "是否易地扶贫搬迁户", "Relocation household", "bool", note_zh=YN_NOTE),
        C("cooperative_member", "是否加入农民专业合作社", "Member of a cooperative", "bool", note_zh=YN_NOTE),
    )
    field_columns = tuple(c.name for c in columns if c.name != "village") + ("village",)

    def plan(self, ctx, rows: list[ImportRow]) -> None:
        present = self.present(ctx, rows)
        seen: dict[str, int] = {}
        codes = sorted({r.values["village"] for r in rows})
        villages: set[str] = set()
        for part in chunks(codes):
            villages.update(Division.objects.filter(code__in=part, level="village").values_list("code", flat=True))
        existing: dict[str, Household] = {}
        numbers = [r.values["number"] for r in rows]
        for h in matching(self.existing_values(Household.objects.all(), "number", "head_name"), "number", numbers,
                          key=lambda h: h["number"]):
            h["village"] = h["village_id"]
            existing[h["number"]] = h
        number_col, village_col = self.columns[0], self.columns[1]
        status_col = next(c for c in self.columns if c.name == "status")
        for row in rows:
            v = row.values
            if v["number"] in seen:
                ctx.error(row, number_col, v["number"], _("The same household number is already on row %(row)d.")
                          % {"row": seen[v["number"]]})
                continue
            seen[v["number"]] = row.number
            if v["village"] not in villages:
                ctx.error(row, village_col, v["village"], _("Unknown village code: check it against the 12-digit "
                                                            "statistical code of a village."))
                continue
            if not ctx.in_scope(v["village"]):
                ctx.error(row, village_col, v["village"], _("This village is outside your area; you cannot import "
                                                            "households into it."))
                continue
            obj = existing.get(v["number"])
            if obj is not None and not ctx.in_scope(obj["village_id"]):
                ctx.error(row, number_col, v["number"], _("This household number belongs to a household outside "
                                                          "your area."))
                continue
            v["village_id"] = v["village"]
            if obj is None:
                fields = self._fields_for_new(ctx, row, present)
                if fields is None:
                    continue
                fields.pop("village")
                row.obj = {"village_id": v["village"], **fields}
                row.action = "new"
                continue
            diff = self._compare(ctx, row, obj, present)
            if row.action == "error":
                continue
            if "status" in diff:
                # the same lifecycle as the status-change service (registry/lifecycle.py)
                error = status_transition_error(*diff["status"])
                if error is not None:
                    ctx.error(row, status_col, v["status"], error.messages[0])
                    continue
            row.obj = obj
            row.diff = diff
            row.action = "changed" if diff else "unchanged"

    def commit(self, ctx, rows: list[ImportRow]) -> None:
        new = [r.obj for r in rows if r.action == "new"]
        floor = self.max_pk()
        insert_rows(Household, new)
        pks = self.new_pks(("number",), floor, {h["number"] for h in new})
        self.audit_rows(ctx, "registry.household.imported",
                        ((pks[h["number"]], f"{h['number']} {h['head_name']}", h["village_id"], None, None)
                         for h in new))
        self.write_changes(ctx, [r for r in rows if r.action == "changed"], "registry.household.import_changed",
                           lambda r: r.values["village"], lambda h: f"{h['number']} {h['head_name']}")

    def export_queryset(self, *, user, params):
        from xiezuo.registry import selectors
        from xiezuo.registry.filters import HouseholdFilter

        return HouseholdFilter.from_query(params).apply(selectors.household_list(user=user))

    def export_row(self, obj, *, unmask: bool) -> dict[str, Any]:
        row = {c.name: _sealed_cell(obj, c.name, unmask) if c.name in SEALED else getattr(obj, c.name)
               for c in self.columns if c.name != "village"}
        row["village"] = obj.village_id
        return self._masked(row, unmask)

    def _masked(self, row: dict[str, Any], unmask: bool) -> dict[str, Any]:
        if not unmask:
            for c in self.columns:
                if c.mask and c.name not in SEALED and row[c.name]:
                    row[c.name] = MASKERS[c.mask](row[c.name])
        return row

    def export_rows(self, qs, *, unmask: bool):
        # every column is a field of the household: read them as values, no instances; a sealed column is read
        # as its masked copy, or as its ciphertext, decrypted here, when unmasking
        names = [c.name for c in self.columns if c.name not in ("village", *SEALED)]
        sealed = {n: F(f"{n}_enc" if unmask else f"{n}_masked") for n in SEALED}
        for row in qs.values(*names, "village_id", **sealed).iterator(chunk_size=5000):
            row["village"] = row.pop("village_id")
            if unmask:
                for n in SEALED:
                    row[n] = crypto.unseal(row[n])
            yield self._masked(row, unmask)


# -- members -----------------------------------------------------------------------------

class MemberSpec(RegistrySpec):
    entity = "members"
    title_zh = "家庭成员"
    title_en = "Members"
    order = 20
    model = Member
    columns = (
        C("household_number", "户编号", "Household number", required=True, max_length=30, synonyms=("户码", "户号")),
        C("name", "姓名", "Name", required=True, max_length=50, synonyms=("成员姓名",)),
        C("id_number", "证件号码", "Identity number", "id_number", required=True, mask="id",
          synonyms=("身份证号", "身份证号码", "公民身份号码", "证件号码(身份证)", "id"),
          note_zh="18位身份证号，本列须设为文本格式，否则 Excel 会把末几位变成 0",
          note_en="18 characters; keep this column as Text or Excel turns the last digits into zeros"),
        C("sex", "性别", "Sex", "choice", choices=choices.Sex, note_zh="可留空，按身份证号推算"),
        C("birth_date", "出生日期", "Date of birth", "date", note_zh="可留空，按身份证号推算"),
        C("ethnicity", "民族", "Ethnicity", max_length=20),
        C("relation", "与户主关系", "Relation to head", "choice", required=True, choices=choices.Relation,
          synonyms=("与户主关系代码",), aliases=(("户主", "01"), ("本人", "01"), ("之子", "20"), ("之女", "30"),
                                               ("之孙子", "40"), ("之孙女", "40"), ("之父", "50"), ("之母", "50"),
                                               ("儿子", "20"), ("女儿", "30"), ("儿媳", "30"), ("女婿", "20"))),
        C("education", "文化程度", "Education", "choice", choices=choices.Education),
        C("schooling", "在校生状况", "In-school status", "choice", choices=choices.Schooling),
        C("health", "健康状况", "Health", "choice", choices=choices.Health,
          aliases=(("残疾", "disabled"), ("大病", "serious"), ("长期慢性病", "chronic"))),
        C("disability_category", "残疾类别", "Disability category", "choice", choices=choices.DisabilityCategory),
        C("disability_grade", "残疾等级", "Disability grade", "int", min_value=1, max_value=4),
        C("labour", "劳动技能", "Labour ability", "choice", choices=choices.Labour),
        C("work_place", "务工地点", "Work place", "choice", choices=choices.WorkPlace, synonyms=("务工所在地",)),
        C("months_worked", "务工时间（月）", "Months worked", "int", min_value=0, max_value=12,
          synonyms=("务工时间", "务工月数")),
        C("medical_insurance", "是否参加城乡居民基本医疗保险", "Basic medical insurance", "bool",
          synonyms=("参加基本医疗保险",)),
        C("critical_illness_insurance", "是否参加大病保险", "Critical-illness insurance", "bool"),
        C("pension_insurance", "是否参加城乡居民基本养老保险", "Resident pension insurance", "bool"),
        C("dibao", "是否享受低保", "Receives low-income allowance", "bool"),
        C("tekun", "是否特困供养", "Receives destitute support", "bool"),
        C("phone", "联系电话", "Phone", max_length=20, mask="phone"),
        C("deceased", "是否死亡或迁出", "Deceased or left", "bool"),
    )
    field_columns = tuple(c.name for c in columns if c.name not in ("household_number", "id_number"))

    def plan(self, ctx, rows: list[ImportRow]) -> None:
        present = self.present(ctx, rows)
        id_col = self.columns[2]
        parents = self.households_by_number(ctx, (r.values["household_number"] for r in rows))
        today = dt.date.today()
        seen: dict[str, int] = {}
        clear_rows, masked_rows = [], []
        for row in rows:
            if self.household_parent(ctx, row, parents) is None:
                continue
            raw = row.values["id_number"]
            if "*" in raw:
                masked_rows.append(row)
                continue
            try:
                checked = check_identity(raw, today)
            except InvalidIdNumber as exc:
                message = exc.message
                if exc.code == "id.checksum" and raw.isdigit() and raw.endswith("00"):
                    message += " " + _("It ends in zeros: Excel probably stored it as a number; set the column's "
                                       "format to Text and type the number again.")
                ctx.error(row, id_col, raw, message)
                continue
            h = crypto.lookup_hash(checked[0])
            if h in seen:
                ctx.error(row, id_col, raw, _("The same identity number is already on row %(row)d.")
                          % {"row": seen[h]})
                continue
            seen[h] = row.number
            row.values["_id"] = checked[0]
            row.values["_hash"] = h
            self._check_person(ctx, row, checked, today)
            clear_rows.append(row)
        # stored members: by hash for clear numbers, by (household, mask, name) for masked ones
        by_hash: dict[str, Member] = {}
        hashes = sorted({r.values["_hash"] for r in clear_rows if r.action != "error"})
        members = self.existing_values(Member.objects.all(), "id_number_hash", "id_number_masked",
                                       hn=F("household__number"), hv=F("household__village_id"))
        for m in matching(members, "id_number_hash", hashes, key=lambda m: m["id_number_hash"]):
            if not m["deceased"] or m["id_number_hash"] not in by_hash:
                by_hash[m["id_number_hash"]] = m
        by_mask: dict[tuple[str, str, str], Member] = {}
        if masked_rows:
            numbers = sorted({r.values["household_number"] for r in masked_rows})
            for m in matching(members, "household__number", numbers, key=lambda m: m["hn"]):
                by_mask[(m["hn"], m["id_number_masked"], m["name"])] = m
        probes = duplicate_probes_left(ctx.user)  # "elsewhere" answers this user may still get this hour
        paused = ""
        for row in clear_rows:
            if row.action == "error":
                continue
            if probes <= 0:  # every further number refused alike, found or not: the file learns nothing more
                paused = paused or duplicate_checks_paused(ctx.user, source="import")
                ctx.error(row, id_col, row.values["id_number"], paused)
                continue
            m = by_hash.get(row.values["_hash"])
            if m is not None and m["hn"] != row.values["household_number"] and not m["deceased"]:
                # named only within the user's scope; elsewhere "outside your area", logged for its county
                answer = duplicate_identity_answer(user=ctx.user, member_id=m["id"], village_code=m["hv"],
                                                   household_number=m["hn"], source="import")
                ctx.error(row, id_col, row.values["id_number"], answer.message)
                if answer.probe:
                    probes -= 1
                continue
            if m is None or m["hn"] != row.values["household_number"]:
                self._new(ctx, row, present)
            else:
                self._existing(ctx, row, m, present)
        for row in masked_rows:
            key = (row.values["household_number"], row.values["id_number"], row.values["name"])
            m = by_mask.get(key)
            if m is None:
                ctx.error(row, id_col, row.values["id_number"],
                          _("A masked identity number can only update a member already registered under this "
                            "household and name; type the full number for a new member."))
                continue
            self._existing(ctx, row, m, present)

    def _check_person(self, ctx, row: ImportRow, checked, today: dt.date) -> None:
        v = row.values
        birth = v.get("birth_date")
        number, id_birth, id_sex = checked
        if isinstance(birth, YearMonth) and (birth.year, birth.month) == (id_birth.year, id_birth.month):
            birth = v["birth_date"] = id_birth  # 1990.10 agrees with the number: the day comes from it
        if birth is not None and birth != id_birth:
            ctx.error(row, self.columns[4], birth, _("The date of birth differs from the one in the identity number "
                                                     "(%(date)s).") % {"date": id_birth.isoformat()})
        if v.get("sex") and v["sex"] != id_sex:
            # show the cell as the clerk typed it (女), not the stored code (F)
            ctx.error(row, self.columns[3], display(self.columns[3], v["sex"]),
                      _("The sex differs from the one the identity number encodes."))
        if number.endswith("000"):
            # 15 digits kept by a spreadsheet, the rest zeros, and by chance a valid check digit (1 in 11)
            ctx.error(row, self.columns[2], number, _("The identity number ends in 000: if the column was ever "
                                                      "a number column, Excel replaced its last digits with zeros "
                                                      "(and the check digit happens to fit). Check it against the "
                                                      "identity card."), level="warning")
        born = birth or id_birth
        if today.year - born.year > 120:
            ctx.error(row, self.columns[4], born, _("An age over 120 years is impossible: check the date of birth."))
        if v.get("sex") is None:
            v["sex"] = id_sex
        if v.get("birth_date") is None:
            v["birth_date"] = id_birth

    def _new(self, ctx, row: ImportRow, present) -> None:
        fields = self._fields_for_new(ctx, row, present)
        if fields is None:
            return
        fields.setdefault("sex", row.values["sex"])
        fields.setdefault("birth_date", row.values["birth_date"])
        row.obj = fields
        row.action = "new"

    def _existing(self, ctx, row: ImportRow, m: Member, present) -> None:
        if "_id" not in row.values:  # masked: the person's own facts come from the stored record
            for name in ("sex", "birth_date"):
                if row.values.get(name) is None:
                    row.values[name] = m[name]
        diff = self._compare(ctx, row, m, present)
        if row.action == "error":
            return
        row.obj = m
        row.diff = diff
        row.action = "changed" if diff else "unchanged"

    def commit(self, ctx, rows: list[ImportRow]) -> None:
        ids = self.resolve_household_ids(rows)
        new = []
        for r in rows:
            if r.action == "new":
                r.obj["household_id"] = ids[r.values["household_number"]]
                # reuse the keyed hash the plan already computed (it costs a fifth of the whole)
                r.obj.update(member_identity_fields(r.values["_id"], lookup_hash=r.values["_hash"]))
                new.append(r)
        floor = self.max_pk()
        insert_rows(Member, (r.obj for r in new))
        pks = self.new_pks(("id_number_hash",), floor, {r.obj["id_number_hash"] for r in new})
        villages = self.households_by_number(ctx, [])  # only rows from this file; stored ones below
        division = {n: v for n, (_pk, v) in villages.items()}
        missing = sorted({r.values["household_number"] for r in rows} - set(division))
        division.update(matching(Household.objects.values_list("number", "village_id"), "number", missing))
        self.audit_created(ctx, "registry.member.imported",
                           ((pks[r.obj["id_number_hash"]], division.get(r.values["household_number"], "")) for r in new))
        self.write_changes(ctx, [r for r in rows if r.action == "changed"], "registry.member.import_changed",
                           lambda r: division.get(r.values["household_number"], ""), lambda m: m["name"])

    def export_queryset(self, *, user, params):
        from xiezuo.registry import selectors
        from xiezuo.registry.filters import HouseholdFilter

        households = HouseholdFilter.from_query(params).apply(selectors.household_list(user=user))
        return (Member.objects.restrict(user, "view").filter(household__in=households.values("pk"))
                .annotate(hn=F("household__number")).order_by("household__number", "relation", "id"))

    def export_row(self, obj, *, unmask: bool) -> dict[str, Any]:
        from xiezuo.registry.services import member_id_number

        row = {c.name: _sealed_cell(obj, c.name, unmask) if c.name in SEALED else getattr(obj, c.name)
               for c in self.columns if c.name not in ("household_number", "id_number")}
        row["household_number"] = obj.hn
        row["id_number"] = member_id_number(obj) if unmask else obj.id_number_masked
        if not unmask:
            # The date of birth beside the mask's last 4 and the village gives the number back; a
            # masked export leaves it empty (re-imported, the stored date is kept; see the column's note).
            row["birth_date"] = None
        return row


# -- yearly facts ------------------------------------------------------------------------

def _money(name, zh, en, **kw) -> Column:
    return C(name, zh, en, "money", min_value=Decimal("0"), max_value=MONEY_MAX, note_zh="元/年，不能为负",
             note_en="Yuan per year, not negative", **kw)


class FactsSpec(RegistrySpec):
    entity = "facts"
    title_zh = "年度收入与保障"
    title_en = "Yearly facts"
    order = 30
    model = HouseholdYear
    columns = (
        C("household_number", "户编号", "Household number", required=True, max_length=30, synonyms=("户码", "户号")),
        C("year", "年度", "Year", "year", required=True, min_value=2013, max_value=2100, synonyms=("年份",)),
        C("size", "家庭人口数", "Household size", "int", required=True, min_value=1, max_value=30,
          synonyms=("家庭人口", "人口数")),
        _money("wage", "工资性收入", "Wage income", synonyms=("务工收入",)),
        _money("business", "生产经营性收入", "Business income"),
        _money("property_dividend", "资产收益扶贫分红收入", "Asset-income dividends"),
        _money("property_other", "其他财产性收入", "Other property income"),
        _money("transfer_family_planning", "计划生育金", "Family-planning bonus"),
        _money("transfer_dibao", "低保金", "Low-income allowance"),
        _money("transfer_tekun", "特困供养金", "Destitute support"),
        _money("transfer_pension", "养老保险金", "Pension"),
        _money("transfer_eco", "生态补偿金", "Ecological compensation"),
        _money("transfer_other", "其他转移性收入", "Other transfers"),
        _money("production_cost", "生产经营性支出", "Production expenditure"),
        _money("medical_expense", "医疗自付支出", "Out-of-pocket medical spending"),
        _money("education_expense", "教育支出", "Education spending"),
        C("food_secure", "不愁吃", "No worry about food", "bool"),
        C("clothing_secure", "不愁穿", "No worry about clothing", "bool"),
        C("compulsory_dropouts", "义务教育阶段辍学人数", "Compulsory-age dropouts", "int", min_value=0, max_value=30),
        C("uninsured_members", "未参加基本医疗保险人数", "Members without medical insurance", "int",
          min_value=0, max_value=30),
        C("housing_grade", "住房安全等级", "Housing grade", "choice", choices=choices.HousingGrade,
          synonyms=("危房等级", "房屋等级"), aliases=(("A级", "A"), ("B级", "B"), ("C级", "C"), ("D级", "D"))),
        C("water_safe", "饮水安全", "Safe drinking water", "bool"),
        C("water_difficult", "饮水困难", "Drinking water difficult", "bool"),
        C("electricity", "通生活用电", "Household electricity", "bool"),
        C("sanitary_toilet", "卫生厕所", "Sanitary toilet", "bool"),
        C("clean_fuel", "清洁能源", "Clean cooking fuel", "bool"),
        C("year_status", "贫困状态", "Poverty status", "choice", choices=choices.YearStatus),
    )
    field_columns = tuple(c.name for c in columns if c.name not in ("household_number", "year"))
    INCOME = HouseholdYear.INCOME_FIELDS

    def plan(self, ctx, rows: list[ImportRow]) -> None:
        present = self.present(ctx, rows)
        present_names = {c.name for c in present}
        income_present = any(n in present_names for n in self.INCOME)
        parents = self.households_by_number(ctx, (r.values["household_number"] for r in rows))
        seen: dict[tuple[str, int], int] = {}
        keep = []
        hundred_k = Decimal("100000")
        for row in rows:
            if self.household_parent(ctx, row, parents) is None:
                continue
            key = (row.values["household_number"], row.values["year"])
            if key in seen:
                ctx.error(row, self.columns[1], key[1], _("The same household and year are already on row %(row)d.")
                          % {"row": seen[key]})
                continue
            seen[key] = row.number
            if income_present:
                v = row.values
                net = sum((v.get(n) or Decimal(0) for n in self.INCOME), Decimal(0)) - (v.get("production_cost")
                                                                                       or Decimal(0))
                per_capita = (net / v["size"]).quantize(Decimal("0.01"))
                if per_capita <= 0 or per_capita > hundred_k:
                    ctx.error(row, _("per-capita net income (computed)"), per_capita,
                              _("Per-capita net income %(value)s is impossible (it must be above 0 and at most "
                                "100,000 yuan): check the income and household-size columns.") % {"value": per_capita})
                    continue
            keep.append(row)
        existing: dict[tuple[str, int], HouseholdYear] = {}
        numbers = sorted({r.values["household_number"] for r in keep})
        years = self.existing_values(HouseholdYear.objects.all(), "household_id", "year", hn=F("household__number"))
        for hy in matching(years, "household__number", numbers, key=lambda hy: hy["hn"]):
            existing[(hy["hn"], hy["year"])] = hy
        for row in keep:
            hy = existing.get((row.values["household_number"], row.values["year"]))
            if hy is None:
                fields = self._fields_for_new(ctx, row, present)
                if fields is not None:
                    row.obj = {"year": row.values["year"], **fields}
                    row.action = "new"
                continue
            diff = self._compare(ctx, row, hy, present)
            if row.action != "error":
                row.obj, row.diff = hy, diff
                row.action = "changed" if diff else "unchanged"

    def commit(self, ctx, rows: list[ImportRow]) -> None:
        ids = self.resolve_household_ids(rows)
        new = []
        for r in rows:
            if r.action == "new":
                r.obj["household_id"] = ids[r.values["household_number"]]
                new.append(r)
        floor = self.max_pk()
        insert_rows(HouseholdYear, (r.obj for r in new))
        pks = self.new_pks(("household_id", "year"), floor, {(r.obj["household_id"], r.obj["year"]) for r in new})
        division = {}
        division.update(matching(Household.objects.values_list("number", "village_id"), "number",
                                 {r.values["household_number"] for r in rows}))
        self.audit_created(ctx, "registry.householdyear.imported",
                           ((pks[(r.obj["household_id"], r.obj["year"])], division.get(r.values["household_number"], ""))
                            for r in new))
        self.write_changes(ctx, [r for r in rows if r.action == "changed"], "registry.householdyear.import_changed",
                           lambda r: division.get(r.values["household_number"], ""),
                           lambda hy: f"{hy['household_id']} {hy['year']}")

    def export_queryset(self, *, user, params):
        from xiezuo.registry import selectors
        from xiezuo.registry.filters import HouseholdFilter

        households = HouseholdFilter.from_query(params).apply(selectors.household_list(user=user))
        qs = HouseholdYear.objects.restrict(user, "view").filter(household__in=households.values("pk"))
        year = str(params.get("year", ""))
        if year.isdigit():
            qs = qs.filter(year=int(year))
        return qs.annotate(hn=F("household__number")).order_by("household__number", "year")

    def export_row(self, obj, *, unmask: bool) -> dict[str, Any]:
        row = {c.name: getattr(obj, c.name) for c in self.columns if c.name != "household_number"}
        row["household_number"] = obj.hn
        return row

    def export_rows(self, qs, *, unmask: bool):
        names = [c.name for c in self.columns if c.name != "household_number"]
        for row in qs.values(*names, "hn").iterator(chunk_size=5000):
            row["household_number"] = row.pop("hn")
            yield row


def register_all() -> None:
    for spec in (HouseholdSpec(), MemberSpec(), FactsSpec()):
        register(spec)
