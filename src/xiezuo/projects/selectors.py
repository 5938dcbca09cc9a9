"""Reads of the project library, always through the scope layer."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Round

from xiezuo.accounts.access import get_scoped_or_404

from .models import Budget, FundPool, LedgerEntry, PoolEntry, Project, ProjectBeneficiary

ZERO = Decimal("0.00")
FEN = Decimal("0.01")


def fen_sum(field: str = "amount") -> Sum:
    """An exact sum of a money column, in whole fen.

    SQLite sums decimals as binary floats, which drifts by 1e-12 over many rows; summing
    `round(x × 100)` (whole numbers, exact in a double up to 2^53) keeps every total exact on
    SQLite and PostgreSQL alike. Convert the result with `yuan()`.
    """
    return Sum(Round(F(field) * 100), output_field=DecimalField(max_digits=20, decimal_places=0))


def yuan(fen) -> Decimal:
    return (Decimal(int(round(fen))) / 100).quantize(FEN) if fen is not None else ZERO


def project_list(*, user, year: int | None = None, county: str = "", pairing: int | None = None, status: str = "",
                 category: str = "", search: str = "") -> QuerySet[Project]:
    qs = Project.objects.restrict(user, "view").select_related("county", "township", "village", "responsible")
    if year:
        qs = qs.filter(Q(year=year) | Q(year__lte=year, end_year__gte=year))
    if county:
        qs = qs.filter(county__code__startswith=county)
    if pairing:
        qs = qs.filter(pairing_id=pairing)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search) | Q(name_en__icontains=search))
    return qs


def project_detail(*, user, pk: int, action: str = "view") -> Project:
    return get_scoped_or_404(Project.objects.select_related("county", "township", "village", "responsible",
                                                            "pairing"), user, action, pk=pk)


def project_budgets(*, user, project: Project) -> QuerySet[Budget]:
    return Budget.objects.restrict(user, "view").filter(project=project)


def project_ledger(*, user, project: Project) -> QuerySet[LedgerEntry]:
    return (LedgerEntry.objects.restrict(user, "view").filter(project=project)
            .select_related("budget", "reverses", "posted_by").order_by("date", "id"))


def project_beneficiaries(*, user, project: Project) -> QuerySet[ProjectBeneficiary]:
    """Households linked to the project; empty for users who may not see personal data."""
    return ProjectBeneficiary.objects.restrict(user, "view").filter(project=project).select_related(
        "household", "household__village")


def project_beneficiary_totals(*, project: Project) -> dict:
    """Counts only (no personal data): households, people and income added."""
    agg = ProjectBeneficiary.objects.filter(project=project).aggregate(
        households=Count("id"), people=Sum("people"), income=fen_sum("income_added"))
    return {"households": agg["households"], "people": agg["people"] or 0, "income": yuan(agg["income"])}


def pool_list(*, user) -> QuerySet[FundPool]:
    return FundPool.objects.restrict(user, "view").select_related("county").order_by("county_id")


def pool_entries(*, user, pool: FundPool) -> QuerySet[PoolEntry]:
    return PoolEntry.objects.restrict(user, "view").filter(pool=pool).select_related("ledger_entry__project")


def pool_detail(*, user, pk: int) -> FundPool:
    return get_scoped_or_404(FundPool.objects.select_related("county"), user, pk=pk)


@dataclass(frozen=True)
class Mismatch:
    what: str
    key: str
    recorded: Decimal
    from_entries: Decimal


def reconcile(*, county_code: str = "") -> list[Mismatch]:
    """Compare every budget line's and pool's running totals with the sums of their entries.

    An empty list means the ledger reconciles to the fen. Unscoped: an audit tool.
    """
    problems: list[Mismatch] = []
    budgets = Budget.objects.all()
    pools = FundPool.objects.all()
    if county_code:
        budgets = budgets.filter(project__county__code__startswith=county_code)
        pools = pools.filter(county__code__startswith=county_code)
    sums: dict[tuple[int, str], Decimal] = {}
    rows = (LedgerEntry.objects.filter(budget__in=budgets)
            .annotate(orig=Coalesce("reverses__kind", "kind"))
            .values("budget_id", "orig", "kind").annotate(total=fen_sum()))
    for row in rows:
        sign = -1 if row["kind"] == LedgerEntry.Kind.REVERSAL else 1
        key = (row["budget_id"], row["orig"])
        sums[key] = sums.get(key, ZERO) + sign * yuan(row["total"])
    pooled: dict[int, Decimal] = {}
    for row in (PoolEntry.objects.filter(ledger_entry__budget__in=budgets)
                .values("ledger_entry__budget_id", "kind").annotate(total=fen_sum())):
        sign = -1 if row["kind"] == PoolEntry.Kind.REVERSAL else 1
        key = row["ledger_entry__budget_id"]
        pooled[key] = pooled.get(key, ZERO) + sign * yuan(row["total"])
    for b in budgets.values("id", "allocated", "disbursed", "pooled"):
        for field, kind in (("allocated", "allocation"), ("disbursed", "disbursement")):
            got = sums.get((b["id"], kind), ZERO)
            if got != b[field]:
                problems.append(Mismatch(f"budget.{field}", str(b["id"]), b[field], got))
        if pooled.get(b["id"], ZERO) != b["pooled"]:
            problems.append(Mismatch("budget.pooled", str(b["id"]), b["pooled"], pooled.get(b["id"], ZERO)))
    for p in pools.values("id", "county_id", "balance"):
        got = ZERO
        for row in PoolEntry.objects.filter(pool_id=p["id"]).values("kind").annotate(total=fen_sum()):
            got += yuan(row["total"]) if row["kind"] == PoolEntry.Kind.INFLOW else -yuan(row["total"])
        if got != p["balance"]:
            problems.append(Mismatch("pool.balance", p["county_id"], p["balance"], got))
    return problems


def pool_total(*, until=None, county_code: str = "") -> Decimal:
    """Money set aside into fund pools (inflows less their reversals), up to a date; unscoped."""
    qs = PoolEntry.objects.filter(kind__in=(PoolEntry.Kind.INFLOW, PoolEntry.Kind.REVERSAL))
    if until:
        qs = qs.filter(date__lte=until)
    if county_code:
        qs = qs.filter(pool__county__code__startswith=county_code)
    total = ZERO
    for row in qs.values("kind").annotate(total=fen_sum()):
        total += yuan(row["total"]) if row["kind"] == PoolEntry.Kind.INFLOW else -yuan(row["total"])
    return total


def pool_entries_for_project(*, user, project: Project) -> QuerySet[PoolEntry]:
    return PoolEntry.objects.restrict(user, "view").filter(ledger_entry__project=project).select_related(
        "ledger_entry")


def project_budget_totals(*, projects: QuerySet[Project]) -> dict[str, Decimal]:
    """Budget, allocated, disbursed and pooled over already-scoped `projects`."""
    agg = Budget.objects.filter(project__in=projects.values("pk")).aggregate(
        amount=fen_sum("amount"), allocated=fen_sum("allocated"), disbursed=fen_sum("disbursed"),
        pooled=fen_sum("pooled"))
    return {k: yuan(v) for k, v in agg.items()}


def pool_total_scoped(*, user) -> Decimal:
    total = ZERO
    for row in (PoolEntry.objects.restrict(user, "view").filter(kind__in=(PoolEntry.Kind.INFLOW,
                                                                            PoolEntry.Kind.REVERSAL))
                .values("kind").annotate(total=fen_sum())):
        total += yuan(row["total"]) if row["kind"] == PoolEntry.Kind.INFLOW else -yuan(row["total"])
    return total
