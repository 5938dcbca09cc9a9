"""Indicator values per year, division and pairing, with their trace, target and completion.

Reads go through each model's scope: a figure aggregates `Model.objects.restrict_figures(user)`
(the view scope, personal-data rows counted but never listed: an eastern office sees its
partners' figures), a trace page lists `Model.objects.restrict(user, "view")`; `user=None` is the
system context of the CLI (everything). A value is computed for a division *prefix* (a city's 4
digits, a county's 6) in one query, and a ratio's denominator comes from the same scope as its
numerator; values for all the children of a division come from one grouped query per indicator
(`values_by_child`).
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, DateField, DateTimeField, QuerySet, Sum
from django.db.models.functions import Substr
from django.urls import NoReverseMatch, reverse

from xiezuo.accounts.access import EVERYTHING, figure_prefixes, prefixes_q, scope_prefixes
from xiezuo.web import numformat

from .catalogue import CATALOGUE, Indicator, Metric

Number = int | Decimal


@dataclass(frozen=True)
class Query:
    year: int
    prefix: str = ""  # division-code prefix; "" = everything the user sees
    pairing: int | None = None
    user: object | None = None


@dataclass
class Value:
    indicator: Indicator
    value: Number | None
    trace_url: str
    source_url: str = ""
    target: Number | None = None
    target_source: str = ""

    @property
    def completion_pct(self) -> Decimal | None:
        if self.value is None or not self.target:
            return None
        return (Decimal(self.value) * 100 / Decimal(self.target)).quantize(Decimal("0.1"))

    # As shown (xiezuo.web.numformat): in a table beside the unit's column, and as a headline with its unit.
    @property
    def figure(self) -> str:
        return numformat.figure(self.value, self.indicator.unit, self.indicator.decimals)

    @property
    def target_figure(self) -> str:
        return "" if self.target is None else numformat.figure(self.target, self.indicator.unit,
                                                                self.indicator.decimals)

    @property
    def unit_label(self) -> str:
        return numformat.unit_label(self.indicator.unit)

    def as_dict(self, language: str | None = None) -> dict:
        ind = self.indicator

        def shown(v):
            return None if v is None else numformat.by_unit(v, ind.unit, ind.decimals, language)

        return {
            "code": ind.code, "name": ind.name(language), "unit": ind.unit, "area": ind.area,
            "direction": ind.direction, "value": _json_number(self.value), "target": _json_number(self.target),
            "completion_pct": _json_number(self.completion_pct), "trace_url": self.trace_url,
            "source_url": self.source_url, "book": ind.book,
            "display": shown(self.value), "target_display": shown(self.target),
            "completion_display": None if self.completion_pct is None else numformat.percent(self.completion_pct),
        }


def _json_number(v):
    if v is None:
        return None
    if isinstance(v, Decimal):
        return float(v) if v != v.to_integral_value() else int(v)
    return v


# --- model metrics -------------------------------------------------------------------------

def _model(metric: Metric):
    try:
        return apps.get_model(metric.model)
    except (LookupError, ValueError):
        return None


def _field_is_date(model, path: str) -> bool:
    parts = path.split("__")
    try:
        for part in parts[:-1]:
            model = model._meta.get_field(part).related_model
        f = model._meta.get_field(parts[-1].removesuffix("_id"))
    except FieldDoesNotExist:
        raise
    return isinstance(f, DateField | DateTimeField)


def metric_queryset(metric: Metric, q: Query, *, rows: bool = False) -> QuerySet | None:
    """The rows behind a metric for a query, scoped; None when the model is not there yet.
    `rows`: for listing them (the rows' scope), else for aggregating (the figures' scope)."""
    model = _model(metric)
    if model is None or not getattr(model, "scope_field", None):
        return None
    if q.user is None:
        qs = model.objects.all()
    else:
        qs = model.objects.restrict(q.user, "view") if rows else model.objects.restrict_figures(q.user)
    try:
        if metric.in_force_until:  # one definition with the book figures' pairing counts
            from xiezuo.cooperation.selectors import in_force_q

            qs = qs.filter(in_force_q(q.year, start=metric.year, end=metric.in_force_until))
        elif metric.year:
            lookup = f"{metric.year}__year" if _field_is_date(model, metric.year) else metric.year
            if metric.cumulative_from is not None:
                qs = qs.filter(**{f"{lookup}__gte": metric.cumulative_from, f"{lookup}__lte": q.year})
            else:
                qs = qs.filter(**{lookup: q.year})
        if metric.where:
            qs = qs.filter(**metric.where)
        if q.prefix:
            qs = qs.filter(prefixes_q(model.scope_field, [q.prefix]))
        if q.pairing is not None:
            if not metric.pairing:
                return None
            qs = qs.filter(**{metric.pairing: q.pairing})
    except (FieldDoesNotExist, Exception) as exc:  # noqa: BLE001 - filter() resolves lookups: FieldError
        if type(exc).__name__ in ("FieldError", "FieldDoesNotExist", "ValueError", "TypeError"):
            return None
        raise
    return qs


def _aggregate_expr(metric: Metric):
    if metric.agg == "count":
        return Count("pk")
    kind, _, fname = metric.agg.partition(":")
    if kind == "distinct":
        return Count(fname, distinct=True)
    if kind == "sum":
        return Sum(fname)
    raise ValueError(f"unknown aggregate {metric.agg}")


def _clean(v, metric: Metric) -> Number:
    if v is None:
        return Decimal("0.00") if metric.agg.startswith("sum") else 0
    if isinstance(v, float):  # SQLite sums of decimals come back as float on some paths
        return Decimal(str(v)).quantize(Decimal("0.01"))
    if isinstance(v, Decimal):
        return v.quantize(Decimal("0.01"))
    return v


def _minus(metric: Metric) -> Metric | None:
    """The rows a metric subtracts (reversals), as a metric of their own."""
    if not metric.minus:
        return None
    return Metric(model=metric.model, agg=metric.agg, year=metric.year, where=metric.minus, pairing=metric.pairing,
                  cumulative_from=metric.cumulative_from, in_force_until=metric.in_force_until)


def metric_value(metric: Metric, q: Query) -> Number | None:
    qs = metric_queryset(metric, q)
    if qs is None:
        return None
    try:
        v = _clean(qs.aggregate(v=_aggregate_expr(metric))["v"], metric)
        less = _minus(metric)
        return v - metric_value(less, q) if less is not None else v
    except Exception as exc:  # a sum over a field that does not exist
        if type(exc).__name__ == "FieldError":
            return None
        raise


def metric_by_child(metric: Metric, q: Query, key_length: int) -> dict[str, Number] | None:
    qs = metric_queryset(metric, q)
    if qs is None:
        return None
    model = qs.model
    try:
        rows = (qs.annotate(_key=Substr(model.scope_field, 1, key_length)).values("_key")
                .annotate(v=_aggregate_expr(metric)).order_by())
        out = {r["_key"]: _clean(r["v"], metric) for r in rows}
        less = _minus(metric)
        for k, v in (metric_by_child(less, q, key_length) or {}).items() if less is not None else ():
            out[k] = out.get(k, 0) - v
        return out
    except Exception as exc:
        if type(exc).__name__ == "FieldError":
            return None
        raise


# --- definitions that are not plain metrics -----------------------------------------------

_MEMO: ContextVar[dict | None] = ContextVar("assessment_memo", default=None)


@contextmanager
def memoised():
    """Within the block, the registry's aggregates are computed once per (query, level): people,
    households and incidence share one grouped query (the dashboard and the report use this)."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def _registry(kind: str, q: Query, key_length: int | None = None):
    if q.pairing is not None:
        return None
    memo = _MEMO.get()
    if memo is not None and kind != "incidence_pct":
        key = (q, key_length)
        if key not in memo:
            memo[key] = _registry_both(q, key_length)
        return memo[key][kind]
    return _registry_query(kind, q, key_length)


def _registry_both(q: Query, key_length: int | None) -> dict:
    """Poor people and households at once, from the registry's per-village summary (one query)."""
    from xiezuo.registry import summary
    from xiezuo.registry.stats import registry_prefixes

    prefixes = registry_prefixes(q.user)
    if key_length is None:
        t = summary.totals(year=q.year, prefix=q.prefix, prefixes=prefixes)
        return {"poor_people": t["poor_people"], "poor_households": t["poor_households"]}
    rows = {k: r for k, r in summary.by_prefix(year=q.year, key_length=key_length, prefix=q.prefix,
                                                prefixes=prefixes).items() if r["poor_households"]}
    return {"poor_people": {k: r["poor_people"] for k, r in rows.items()},
            "poor_households": {k: r["poor_households"] for k, r in rows.items()}}


def _registry_query(kind: str, q: Query, key_length: int | None = None):
    if kind == "incidence_pct":
        people = _registry("poor_people", q, key_length)
        if people is None:
            return None
        # the denominator is the rural population of the same scope as the poor counted: a county
        # user's city figure is the county's poor over the county's people, never the city's
        from xiezuo.geo.selectors import populations_within

        scope = figure_prefixes(q.user)
        if key_length is None:
            prefix = q.prefix or _region_prefix(q.user)
            pop = populations_within(prefixes_asked=[prefix], scope=scope, year=q.year)[prefix]
            return (Decimal(people) * 100 / pop).quantize(Decimal("0.01")) if pop else None
        pops = populations_within(prefixes_asked=list(people), scope=scope, year=q.year)
        return {k: (Decimal(v) * 100 / pops[k]).quantize(Decimal("0.01"))
                for k, v in people.items() if pops.get(k)}
    return _registry_both(q, key_length)[kind]


def _region_prefix(user) -> str:
    from xiezuo.accounts.region import viewer_region

    return viewer_region(user).prefix


def _monitoring(kind: str, q: Query, key_length: int | None = None):
    try:
        from xiezuo.monitoring.models import Case
        from xiezuo.monitoring.workflow import CLOSED
    except ImportError:
        return None
    if q.pairing is not None:
        return None
    qs = Case.objects.restrict_figures(q.user)
    qs = qs.filter(year=q.year)
    if q.prefix:
        qs = qs.filter(household__village__code__startswith=q.prefix)
    if kind == "closed":
        qs = qs.filter(stage=CLOSED)
    if key_length is None:
        return qs.count()
    rows = qs.annotate(_key=Substr("household__village__code", 1, key_length)).values("_key").annotate(
        v=Count("id")).order_by()
    return {r["_key"]: r["v"] for r in rows}


def _measure(kind: str, q: Query, key_length: int | None = None):
    """Poor people (status poor, at year end) of the latest published engine run for the year."""
    from xiezuo.measure.models import DivisionResult
    from xiezuo.measure.selectors import latest_published_run

    if q.pairing is not None:
        return None
    run = latest_published_run(year=q.year)
    if run is None:
        return None
    rows = DivisionResult.objects.filter(run=run).restrict_figures(q.user)
    if key_length is None:
        row = rows.filter(division_id=(q.prefix or _region_prefix(q.user)).ljust(12, "0")).first()
        return int(row.counts.get("people_poor", 0)) if row else None
    level = {4: "city", 6: "county", 9: "township", 12: "village"}.get(key_length, "county")
    rows = rows.filter(level=level, division__code__startswith=q.prefix or "")
    return {r.division_id[:key_length]: int(r.counts.get("people_poor", 0)) for r in rows}


def _units_may_exit(level: str, q: Query, key_length: int | None = None):
    """Designated villages or counties meeting their exit criteria in the latest published run of the year."""
    from django.db.models import Q

    from xiezuo.measure.models import UnitResult
    from xiezuo.measure.selectors import latest_published_run

    if q.pairing is not None:
        return None
    run = latest_published_run(year=q.year)
    if run is None:
        return None
    rows = UnitResult.objects.restrict_figures(q.user).filter(run=run, level=level)
    if q.prefix:
        rows = rows.filter(division__code__startswith=q.prefix)
    if key_length is None:
        agg = rows.aggregate(judged=Count("pk"), may=Count("pk", filter=Q(may_exit=True)))
        return agg["may"] if agg["judged"] else None
    grouped = (rows.filter(may_exit=True).annotate(_key=Substr("division__code", 1, key_length)).values("_key")
               .annotate(v=Count("pk")).order_by())
    return {r["_key"]: r["v"] for r in grouped}


SPECIAL = {
    "measure.poor_villages_may_exit": lambda q, k=None: _units_may_exit("village", q, k),
    "measure.poor_counties_may_exit": lambda q, k=None: _units_may_exit("county", q, k),
    "registry.poor_people": lambda q, k=None: _registry("poor_people", q, k),
    "registry.poor_households": lambda q, k=None: _registry("poor_households", q, k),
    "registry.incidence_pct": lambda q, k=None: _registry("incidence_pct", q, k),
    "monitoring.cases": lambda q, k=None: _monitoring("cases", q, k),
    "monitoring.closed": lambda q, k=None: _monitoring("closed", q, k),
    "measure.poor_people": lambda q, k=None: _measure("poor_people", q, k),
}


def _compute(ind: Indicator, q: Query):
    d = ind.definition
    if isinstance(d, Metric):
        return metric_value(d, q)
    return SPECIAL[d](q) if isinstance(d, str) else d(q)


def _compute_by_child(ind: Indicator, q: Query, key_length: int):
    d = ind.definition
    if isinstance(d, Metric):
        return metric_by_child(d, q, key_length)
    return SPECIAL[d](q, key_length) if isinstance(d, str) else None


# --- traces and targets --------------------------------------------------------------------

def trace_url(code: str, q: Query) -> str:
    params = {"indicator": code, "year": q.year}
    if q.prefix:
        params["division"] = q.prefix
    if q.pairing is not None:
        params["pairing"] = q.pairing
    return f"{reverse('assessment:trace')}?{urlencode(params)}"


def source_url(ind: Indicator, q: Query) -> str:
    """The owning app's list page, filtered the same way (county, year). A URL name that does not
    resolve while its app is installed is a catalogue error and raises (tested for every
    indicator); only an app that is not installed gives no link."""
    name = ind.definition.list_url if isinstance(ind.definition, Metric) else {
        "registry.poor_people": "registry:household_list", "registry.poor_households": "registry:household_list",
        "monitoring.cases": "monitoring:case_list", "monitoring.closed": "monitoring:case_list",
        "measure.poor_people": "measure:run_list", "measure.poor_villages_may_exit": "registry:poor_unit_list",
        "measure.poor_counties_may_exit": "registry:poor_unit_list"}.get(ind.definition, "")
    if not name:
        return ""
    try:
        base = reverse(name)
    except NoReverseMatch:
        if apps.is_installed(f"xiezuo.{name.split(':')[0]}"):
            raise
        return ""
    params: dict = {"year": q.year}
    if q.prefix:
        params["county" if len(q.prefix) <= 6 else "division"] = q.prefix
        if name == "registry:household_list":
            params = {"division": q.prefix.ljust(12, "0")}
    return f"{base}?{urlencode(params)}"


# cooperation.AgreementTarget's indicator codes -> this catalogue's codes
TARGET_CODES = {
    "cadres": "cadres_sent", "technicians": "professionals_sent", "fiscal_aid": "aid_committed",
    "poor_benefiting": "project_beneficiaries", "labour_placed": "placements", "students": "vocational_students",
    "consumption": "sales", "pairs_town": "pairs_town", "pairs_village": "pairs_village",
    "pairs_enterprise": "pairs_enterprise_village", "pairs_school": "pairs_school", "pairs_hospital": "pairs_hospital",
}


def targets(*, year: int, prefix: str = "", pairing: int | None = None, user=None) -> dict[str, tuple[Number, str]]:
    """Agreement targets by indicator code (cooperation.AgreementTarget), summed over the
    agreements in force for the year whose western side lies under `prefix`."""
    try:
        Target = apps.get_model("cooperation", "AgreementTarget")
    except LookupError:
        return {}
    qs = Target.objects.all()
    if user is not None and hasattr(qs, "restrict") and getattr(Target, "scope_field", None):
        qs = Target.objects.restrict(user, "view")
    names = {f.name for f in Target._meta.get_fields()}
    code_field = next((n for n in ("indicator_code", "indicator", "code") if n in names), None)
    value_field = next((n for n in ("target", "value", "amount", "target_value") if n in names), None)
    if not code_field or not value_field:
        return {}
    try:
        qs = qs.filter(year=year) if "year" in names else qs.filter(agreement__year=year)
        if prefix and getattr(Target, "scope_field", None):
            qs = qs.filter(prefixes_q(Target.scope_field, [prefix]))
        if pairing is not None:
            qs = qs.filter(agreement__pairing_id=pairing)
        rows = qs.values(code_field).annotate(t=Sum(value_field)).order_by()
        return {TARGET_CODES.get(r[code_field], r[code_field]):
                (_clean(r["t"], Metric(model="", agg="sum")), "cooperation.AgreementTarget") for r in rows}
    except Exception as exc:
        if type(exc).__name__ == "FieldError":
            return {}
        raise


# --- the public API ------------------------------------------------------------------------

def value(code: str, q: Query, *, with_target: bool = True) -> Value:
    ind = CATALOGUE[code]
    v = Value(indicator=ind, value=_compute(ind, q), trace_url=trace_url(code, q), source_url=source_url(ind, q))
    if with_target:
        t = targets(year=q.year, prefix=q.prefix, pairing=q.pairing, user=q.user).get(code)
        if t:
            v.target, v.target_source = t
    return v


def values(q: Query, codes: list[str] | None = None) -> list[Value]:
    """Every indicator (or `codes`) for one year, division and pairing, with targets."""
    tgt = targets(year=q.year, prefix=q.prefix, pairing=q.pairing, user=q.user)
    out = []
    for code in codes or list(CATALOGUE):
        ind = CATALOGUE[code]
        v = Value(indicator=ind, value=_compute(ind, q), trace_url=trace_url(code, q), source_url=source_url(ind, q))
        if code in tgt:
            v.target, v.target_source = tgt[code]
        out.append(v)
    return out


def values_by_child(code: str, q: Query, key_length: int = 6) -> dict[str, Number] | None:
    """One indicator for every division under `q.prefix` cut at `key_length` digits, one query."""
    return _compute_by_child(CATALOGUE[code], q, key_length)


def trend(code: str, *, years: range, prefix: str = "", user=None) -> list[Number | None]:
    return [_compute(CATALOGUE[code], Query(year=y, prefix=prefix, user=user)) for y in years]


TRACE_PAGE = 100


def trace_rows(code: str, q: Query, limit: int = TRACE_PAGE, offset: int = 0) -> tuple[QuerySet | list | None, int]:
    """The rows behind a value, for the trace page: (one page of them, total count).

    Registry rows come in village-code order (an index walk that stops at the page) and their
    count is the summary's, which is the figure itself; nothing materialises the full set."""
    ind = CATALOGUE[code]
    d = ind.definition
    if isinstance(d, Metric):
        qs = metric_queryset(d, q, rows=True)
        less = _minus(d)
        less_qs = metric_queryset(less, q, rows=True) if less is not None and qs is not None else None
        if less_qs is not None:  # the reversals a net figure subtracts are rows behind it too
            qs = qs | less_qs
    elif d in ("registry.poor_people", "registry.poor_households", "registry.incidence_pct"):
        from xiezuo.registry import summary
        from xiezuo.registry.stats import poor_page

        if q.user is None or q.pairing is not None:
            return None, 0
        # household rows are personal data: the rows' scope, not the aggregates' (an eastern
        # office sees the figure, never the households behind it)
        prefixes = scope_prefixes(q.user, "view", personal_data=True)
        total = summary.totals(year=q.year, prefix=q.prefix, prefixes=prefixes)["poor_households"]
        return poor_page(year=q.year, prefix=q.prefix, user=q.user, offset=offset, limit=limit), total
    elif d.startswith("monitoring."):
        try:
            from xiezuo.monitoring.models import Case
        except ImportError:
            return None, 0
        qs = Case.objects.restrict(q.user, "view").filter(year=q.year)
        if q.prefix:
            qs = qs.filter(household__village__code__startswith=q.prefix)
        if d == "monitoring.closed":
            from xiezuo.monitoring.workflow import CLOSED

            qs = qs.filter(stage=CLOSED)
    else:
        return None, 0
    if qs is None:
        return None, 0
    return qs.order_by("pk")[offset:offset + limit], qs.count()


def visible_prefix(user, prefix: str) -> bool:
    """The user's scope reaches this division (or part of it)."""
    prefixes = scope_prefixes(user, "view")
    return prefixes is EVERYTHING or any(prefix.startswith(p) or p.startswith(prefix) for p in prefixes)


def today_year() -> int:
    return dt.date.today().year
