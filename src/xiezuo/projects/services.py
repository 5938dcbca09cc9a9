"""Writes of the project library and the fund ledger: one use case per function, one
transaction each, scope re-checked, audited in the same transaction.

Ledger postings lock the budget line (`select_for_update`) and then, when the fund pool is
touched, the county's pool row, always in that order; the new totals are checked against
the invariants (ledger.Totals) before anything is written, so a refused posting changes
nothing. Database check constraints repeat the invariants as the last line of defence.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from xiezuo import dates
from xiezuo.accounts import audit
from xiezuo.accounts.access import ensure_within
from xiezuo.geo.models import Division

from . import ledger
from .models import (
    STATUS_ORDER,
    Budget,
    Category,
    FundPool,
    FundPoolRule,
    FundSource,
    LedgerEntry,
    PoolEntry,
    Project,
    ProjectBeneficiary,
    ProjectTransition,
    Status,
)
from .money import exact_money

PROJECT_FIELDS = ("code", "name", "name_en", "county", "township", "village", "category", "year", "end_year",
                  "pairing", "responsible", "area_mu", "tag", "summary_count", "description")
POSTING_STATUSES = (Status.APPROVED, Status.IN_PROGRESS, Status.COMPLETED)


# ---------------------------------------------------------------- projects


def _set_place(project: Project) -> None:
    errors = {}
    county = project.county
    levels = ("county", "city") if project.summary_count else ("county",)
    if county is not None and (county.level not in levels or county.side != "west"):
        errors["county"] = _("A project's county must be a western county.")
    if project.township_id and (project.township.level != "township"
                                or not project.township.code.startswith(county.prefix)):
        errors["township"] = _("%(township)s is not a township of %(county)s.") % {
            "township": project.township, "county": county}
    if project.village_id:
        village = project.village
        inside = project.township if project.township_id else county
        if village.level != "village" or not village.code.startswith(inside.prefix):
            errors["village"] = _("%(village)s is not a village of %(place)s.") % {"village": village,
                                                                                  "place": inside}
        elif not project.township_id:
            project.township = village.parent
    if project.end_year and project.year and project.end_year < project.year:
        errors["end_year"] = _("The last year cannot come before the first year.")
    if errors:
        raise ValidationError(errors)
    project.place = project.village or project.township or county


@transaction.atomic
def project_create(*, user, budgets: dict[str, Decimal] | None = None, task_force=(), on: dt.date | None = None,
                   **data) -> Project:
    project = Project(**{k: v for k, v in data.items() if k in PROJECT_FIELDS})
    if project.county_id is None:
        raise ValidationError({"county": _("Choose the project's county.")})
    _set_place(project)
    project.full_clean()
    ensure_within(user, project.place_id, "change")
    project.save()
    if task_force:
        project.task_force.set(task_force)
    ProjectTransition.objects.create(project=project, from_status="", to_status=Status.RESERVE,
                                     on=on or dt.date.today(), by=user if user.pk else None)
    audit.record(action="projects.project.created", user=user, target=project, after=audit.snapshot(project))
    for source, amount in (budgets or {}).items():
        if amount:
            budget_set(user=user, project=project, source=source, amount=amount)
    return project


@transaction.atomic
def project_update(*, user, project: Project, task_force=None, **data) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    ensure_within(user, project.place_id, "change")
    before = audit.snapshot(project)
    for name in PROJECT_FIELDS:
        if name in data:
            setattr(project, name, data[name])
    _set_place(project)
    project.full_clean()
    ensure_within(user, project.place_id, "change")
    project.save()
    if task_force is not None:
        project.task_force.set(task_force)
    audit.record(action="projects.project.updated", user=user, target=project, before=before,
                 after=audit.snapshot(project))
    return project


@transaction.atomic
def project_transition(*, user, project: Project, to_status: str, on: dt.date, reason: str = "") -> Project:
    """Move a project one step forward, or back to an earlier status with a reason."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    ensure_within(user, project.place_id, "change")
    dates.check(on, "on")
    if to_status not in STATUS_ORDER:
        raise ValidationError({"to_status": _("Unknown status %(status)s.") % {"status": to_status}})
    here, there = STATUS_ORDER.index(project.status), STATUS_ORDER.index(to_status)
    labels = dict(Status.choices)
    reason = (reason or "").strip()
    if there == here:
        raise ValidationError({"to_status": _("The project is already %(status)s.") % {"status": labels[to_status]}})
    if there > here + 1:
        raise ValidationError({"to_status": _(
            "A project cannot skip a step: from %(from)s the next status is %(next)s, not %(to)s.") % {
            "from": labels[project.status], "next": labels[STATUS_ORDER[here + 1]], "to": labels[to_status]}})
    if there < here and not reason:
        raise ValidationError({"reason": _("Going back from %(from)s to %(to)s needs a reason.") % {
            "from": labels[project.status], "to": labels[to_status]}})
    last = project.transitions.order_by("-on", "-id").first()
    if last and on < last.on:
        raise ValidationError({"on": _("The date %(on)s is before the last change (%(last)s).") % {
            "on": on, "last": last.on}})
    before = audit.snapshot(project)
    ProjectTransition.objects.create(project=project, from_status=project.status, to_status=to_status, on=on,
                                     reason=reason, by=user if user.pk else None)
    project.status = to_status
    project.save(update_fields=["status"])
    audit.record(action=f"projects.project.{to_status}", user=user, target=project, before=before,
                 after=audit.snapshot(project), data={"reason": reason} if reason else None)
    return project


@transaction.atomic
def budget_set(*, user, project: Project, source: str, amount) -> Budget:
    """Create a budget line or change its amount; never below what is already allocated."""
    if source not in FundSource.values:
        raise ValidationError({"source": _("Unknown fund source %(source)s.") % {"source": source}})
    amount = Decimal("0.00") if str(amount).strip() in ("0", "0.00") else exact_money(amount)
    project = Project.objects.get(pk=project.pk)
    ensure_within(user, project.place_id, "change")
    budget = Budget.objects.select_for_update().filter(project=project, source=source).first()
    before = audit.snapshot(budget)
    if budget is None:
        budget = Budget(project=project, source=source, amount=amount)
    elif amount < budget.allocated:
        raise ValidationError({"amount": _(
            "The budget cannot be cut to %(amount)s: %(allocated)s is already allocated.") % {
            "amount": amount, "allocated": budget.allocated}})
    budget.amount = amount
    budget.save()
    audit.record(action="projects.budget.set", user=user, target=budget, before=before, after=audit.snapshot(budget))
    return budget


# ---------------------------------------------------------------- ledger


def pool_rule_share(*, county_code: str, on: dt.date) -> Decimal:
    """The fund-pool share in force for `county_code` on `on` (0 when no rule applies)."""
    rules = list(FundPoolRule.objects.filter(Q(county_id=county_code) | Q(county__isnull=True),
                                             valid_from__lte=on).order_by("-valid_from", "-id"))
    own = [r for r in rules if r.county_id == county_code]
    chosen = own[0] if own else (rules[0] if rules else None)
    return chosen.share if chosen else Decimal("0")


def pool_applies(budget: Budget) -> bool:
    return budget.source == FundSource.EAST_FISCAL and budget.project.category == Category.INDUSTRY


def _lock_budget(budget: Budget) -> Budget:
    return Budget.objects.select_for_update().select_related("project").get(pk=budget.pk)


def _lock_pool(county_id: str) -> FundPool:
    FundPool.objects.get_or_create(county_id=county_id)
    return FundPool.objects.select_for_update().get(county_id=county_id)


def _check_posting(user, budget: Budget, date) -> None:
    project = budget.project
    ensure_within(user, project.place_id, "change")
    if project.status not in POSTING_STATUSES:
        raise ValidationError(_("Money is posted only to approved projects that are not yet accepted; "
                                "%(project)s is %(status)s.") % {"project": project.code,
                                                                 "status": project.get_status_display()})
    if not isinstance(date, dt.date):
        raise ValidationError({"date": _("Give the posting date.")})
    dates.check(date, "date")


def _refuse(totals: ledger.Totals, message: str) -> None:
    if totals.broken():
        raise ValidationError(message)


def _save_totals(budget: Budget, totals: ledger.Totals) -> None:
    budget.allocated, budget.disbursed, budget.pooled = totals.allocated, totals.disbursed, totals.pooled
    budget.save(update_fields=["allocated", "disbursed", "pooled"])


def _totals(budget: Budget) -> ledger.Totals:
    return ledger.Totals(budget.amount, budget.allocated, budget.disbursed, budget.pooled)


def _entry(**fields) -> LedgerEntry:
    entry = LedgerEntry(**fields)
    entry.full_clean(exclude=["reverses"])
    entry.save()
    return entry


def pool_memo(share: Decimal, amount: Decimal, project_code: str, language: str | None = None) -> str:
    """The note of a fund-pool set-aside, written in `language` (the active one by default), amounts as shown."""
    from django.utils import translation

    from xiezuo.web.numformat import percent, yuan

    with translation.override(language or translation.get_language()):
        return _("%(share)s of %(amount)s allocated to %(project)s") % {
            "share": percent((share * 100).normalize(), None), "amount": yuan(amount), "project": project_code}


@transaction.atomic
def allocation_post(*, user, budget: Budget, amount, date: dt.date, payee: str = "", voucher: str = "",
                    memo: str = "") -> LedgerEntry:
    """Allocate funds to a budget line; East–West fiscal aid to an industry project also sets its
    pool share aside into the county's fund pool."""
    amount = exact_money(amount)
    budget = _lock_budget(budget)
    _check_posting(user, budget, date)
    share = pool_rule_share(county_code=budget.project.county_id, on=date) if pool_applies(budget) else Decimal(0)
    pooled = ledger.pool_share(amount, share)
    before = _totals(budget)
    after = ledger.Totals(before.budget, before.allocated + amount, before.disbursed, before.pooled + pooled)
    _refuse(after, _("Allocating %(amount)s would exceed the %(source)s budget of %(budget)s "
                     "(%(allocated)s already allocated, %(left)s left).") % {
        "amount": amount, "source": budget.get_source_display(), "budget": before.budget,
        "allocated": before.allocated, "left": before.budget - before.allocated})
    entry = _entry(project=budget.project, budget=budget, kind=LedgerEntry.Kind.ALLOCATION, date=date, amount=amount,
                   payee=payee, voucher=voucher, memo=memo, posted_by=user if user.pk else None)
    _save_totals(budget, after)
    audit.record(action="projects.ledger.allocated", user=user, target=entry, after=audit.snapshot(entry))
    if pooled:
        pool = _lock_pool(budget.project.county_id)
        pool_entry = PoolEntry(pool=pool, kind=PoolEntry.Kind.INFLOW, date=date, amount=pooled, ledger_entry=entry,
                               memo=pool_memo(share, amount, budget.project.code), posted_by=entry.posted_by)
        pool_entry.save()
        pool.balance += pooled
        pool.save(update_fields=["balance"])
        audit.record(action="projects.pool.set_aside", user=user, target=pool_entry, after=audit.snapshot(pool_entry))
    return entry


@transaction.atomic
def disbursement_post(*, user, budget: Budget, amount, date: dt.date, payee: str, voucher: str,
                      memo: str = "") -> LedgerEntry:
    """Pay out part of what is allocated; refuses to pay more than is left."""
    amount = exact_money(amount)
    budget = _lock_budget(budget)
    _check_posting(user, budget, date)
    if not (payee or "").strip():
        raise ValidationError({"payee": _("Name the payee of the disbursement.")})
    if not (voucher or "").strip():
        raise ValidationError({"voucher": _("Give the voucher number of the disbursement.")})
    before = _totals(budget)
    after = ledger.Totals(before.budget, before.allocated, before.disbursed + amount, before.pooled)
    _refuse(after, _("Disbursing %(amount)s would exceed what is allocated and not yet paid: %(left)s left "
                     "on %(source)s (%(allocated)s allocated, %(disbursed)s disbursed, %(pooled)s in the fund pool).")
            % {"amount": amount, "left": before.available, "source": budget.get_source_display(),
               "allocated": before.allocated, "disbursed": before.disbursed, "pooled": before.pooled})
    entry = _entry(project=budget.project, budget=budget, kind=LedgerEntry.Kind.DISBURSEMENT, date=date,
                   amount=amount, payee=payee.strip(), voucher=voucher.strip(), memo=memo,
                   posted_by=user if user.pk else None)
    _save_totals(budget, after)
    audit.record(action="projects.ledger.disbursed", user=user, target=entry, after=audit.snapshot(entry))
    return entry


@transaction.atomic
def reversal_post(*, user, entry: LedgerEntry, date: dt.date, reason: str, amount=None) -> LedgerEntry:
    """Correct an allocation or disbursement by a reversing entry (all of it, or `amount` of it).

    Each entry is reversed at most once; a reversal is never itself reversed.
    """
    original = LedgerEntry.objects.select_related("budget", "project").get(pk=entry.pk)
    budget = _lock_budget(original.budget)
    ensure_within(user, budget.project.place_id, "change")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("A reversal needs a reason.")})
    if original.kind == LedgerEntry.Kind.REVERSAL:
        raise ValidationError(_("A reversal cannot itself be reversed; post a new entry instead."))
    if LedgerEntry.objects.filter(reverses=original).exists():
        raise ValidationError(_("Entry %(id)s has already been reversed.") % {"id": original.pk})
    amount = original.amount if amount in (None, "") else exact_money(amount)
    if amount > original.amount:
        raise ValidationError({"amount": _("A reversal of %(amount)s exceeds the original entry's %(original)s.") % {
            "amount": amount, "original": original.amount}})
    if date < original.date:
        raise ValidationError({"date": _("A reversal cannot be dated before the entry it reverses (%(on)s).") % {
            "on": original.date}})
    before = _totals(budget)
    pool_back = Decimal("0.00")
    inflow = None
    if original.kind == LedgerEntry.Kind.ALLOCATION:
        inflow = original.pool_entries.filter(kind=PoolEntry.Kind.INFLOW).first()
        if inflow:
            pool_back = ledger.pool_share_reversed(inflow.amount, original.amount, amount)
        after = ledger.Totals(before.budget, before.allocated - amount, before.disbursed, before.pooled - pool_back)
        _refuse(after, _("Reversing %(amount)s of this allocation would leave less allocated than already "
                         "disbursed and set aside (%(allocated)s allocated, %(disbursed)s disbursed, "
                         "%(pooled)s in the fund pool); reverse disbursements first.") % {
            "amount": amount, "allocated": before.allocated, "disbursed": before.disbursed, "pooled": before.pooled})
    else:
        after = ledger.Totals(before.budget, before.allocated, before.disbursed - amount, before.pooled)
        _refuse(after, _("This reversal would break the ledger."))
    pool = None
    if pool_back:
        pool = _lock_pool(budget.project.county_id)
        if pool.balance < pool_back:
            raise ValidationError(_("The fund pool holds %(balance)s, less than the %(back)s to take back; "
                                    "the pool has already paid it out.") % {"balance": pool.balance,
                                                                             "back": pool_back})
    rev = _entry(project=budget.project, budget=budget, kind=LedgerEntry.Kind.REVERSAL, date=date, amount=amount,
                 payee=original.payee, voucher=original.voucher, memo=reason.strip(), reverses=original,
                 posted_by=user if user.pk else None)
    _save_totals(budget, after)
    audit.record(action="projects.ledger.reversed", user=user, target=rev, after=audit.snapshot(rev),
                 data={"reverses": original.pk, "reason": reason})
    if pool is not None:
        pe = PoolEntry(pool=pool, kind=PoolEntry.Kind.REVERSAL, date=date, amount=pool_back, ledger_entry=rev,
                       reverses=inflow, memo=reason.strip(), posted_by=rev.posted_by)
        pe.save()
        pool.balance -= pool_back
        pool.save(update_fields=["balance"])
        audit.record(action="projects.pool.reversed", user=user, target=pe, after=audit.snapshot(pe))
    return rev


@transaction.atomic
def pool_payout(*, user, pool: FundPool, amount, date: dt.date, payee: str, voucher: str,
                memo: str = "") -> PoolEntry:
    """Pay money out of a county's fund pool; never more than its balance."""
    amount = exact_money(amount)
    pool = FundPool.objects.select_for_update().get(pk=pool.pk)
    ensure_within(user, pool.county_id, "change")
    if not (payee or "").strip() or not (voucher or "").strip():
        raise ValidationError(_("Name the payee and give the voucher number."))
    if amount > pool.balance:
        raise ValidationError({"amount": _("Paying %(amount)s would overdraw the fund pool, which holds %(balance)s.")
                               % {"amount": amount, "balance": pool.balance}})
    entry = PoolEntry(pool=pool, kind=PoolEntry.Kind.OUTFLOW, date=date, amount=amount, payee=payee.strip(),
                      voucher=voucher.strip(), memo=memo, posted_by=user if user.pk else None)
    entry.save()
    pool.balance -= amount
    pool.save(update_fields=["balance"])
    audit.record(action="projects.pool.paid_out", user=user, target=entry, after=audit.snapshot(entry))
    return entry


# ---------------------------------------------------------------- beneficiaries


@transaction.atomic
def beneficiary_link(*, user, project: Project, household, people: int, year: int,
                     income_added=Decimal("0.00")) -> ProjectBeneficiary:
    """Link a registry household in the project's county to the project (带贫)."""
    project = Project.objects.get(pk=project.pk)
    ensure_within(user, project.place_id, "change")
    ensure_within(user, household.village_id, "change", personal_data=True)
    county = Division.objects.get(pk=project.county_id)
    if not household.village_id.startswith(county.prefix):
        raise ValidationError({"household": _("Household %(number)s lives outside %(county)s, the project's county.")
                               % {"number": household.number, "county": county}})
    living = household.members.filter(deceased=False).count()
    if not people or people < 1 or people > living:
        raise ValidationError({"people": _("People benefiting must be between 1 and the household's %(n)d living "
                                           "members.") % {"n": living}})
    income = Decimal("0.00") if str(income_added).strip() in ("0", "0.00", "") else exact_money(
        income_added, field="income_added")
    if ProjectBeneficiary.objects.filter(project=project, household=household).exists():
        raise ValidationError({"household": _("Household %(number)s is already linked to this project.") % {
            "number": household.number}})
    link = ProjectBeneficiary(project=project, household=household, people=people, year=year, income_added=income)
    link.full_clean()
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError as exc:
        raise ValidationError(_("Household %(number)s is already linked to this project.") % {
            "number": household.number}) from exc
    audit.record(action="projects.beneficiary.linked", user=user, target=link, after=audit.snapshot(link))
    return link


@transaction.atomic
def beneficiary_unlink(*, user, link: ProjectBeneficiary) -> None:
    link = ProjectBeneficiary.objects.select_related("household").get(pk=link.pk)
    ensure_within(user, link.household.village_id, "change", personal_data=True)
    audit.record(action="projects.beneficiary.unlinked", user=user, target=link, before=audit.snapshot(link))
    link.delete()
