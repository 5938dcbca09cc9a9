"""The fund ledger: allocations, disbursements, reversals, the fund pool and their refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from xiezuo.projects import selectors, services
from xiezuo.projects.models import Budget, FundPool, LedgerEntry, PoolEntry

pytestmark = pytest.mark.django_db
D = Decimal
DAY = dt.date(2019, 3, 1)


def counts():
    return (LedgerEntry.objects.count(), PoolEntry.objects.count(),
            tuple(Budget.objects.order_by("pk").values_list("allocated", "disbursed", "pooled")),
            tuple(FundPool.objects.order_by("pk").values_list("balance", flat=True)))


def fiscal(project):
    return project.budgets.get(source="east_fiscal")


def test_allocation_to_industry_sets_six_percent_aside(make_project, admin_user):
    # given an approved industry project with 1,000,000.00 of Zhejiang fiscal aid budgeted
    project = make_project()
    # when 500,000.00 is allocated
    services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("500000.00"), date=DAY)
    # then 30,000.00 (6 %) goes to 青川's fund pool and 470,000.00 remains to disburse
    budget = fiscal(project)
    assert (budget.allocated, budget.pooled, budget.available) == (D("500000.00"), D("30000.00"), D("470000.00"))
    pool = FundPool.objects.get(county_id="510822000000")
    assert pool.balance == D("30000.00")
    assert pool.entries.get().ledger_entry.amount == D("500000.00")


def test_no_pool_for_local_funds_or_non_industry(make_project, admin_user):
    road = make_project(category="infrastructure")
    services.allocation_post(user=admin_user, budget=fiscal(road), amount=D("1000.00"), date=DAY)
    industry = make_project()
    services.allocation_post(user=admin_user, budget=industry.budgets.get(source="local"), amount=D("1000.00"),
                             date=DAY)
    assert not PoolEntry.objects.exists()


def test_no_pool_before_the_rule_is_in_force(make_project, admin_user):
    project = make_project()
    services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("1000.00"), date=dt.date(2017, 6, 1))
    assert fiscal(project).pooled == 0


def test_pool_share_rounds_half_up_to_the_fen(make_project, admin_user):
    project = make_project()
    services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("0.25"), date=DAY)  # 0.015
    assert fiscal(project).pooled == D("0.02")


@pytest.mark.parametrize(("amount", "message"), [
    (D("0"), "greater than zero"), (D("-5.00"), "greater than zero"), (D("1.005"), "more than two decimals"),
    ("abc", "not an amount"), (1.5, "not floating-point"),
])
def test_bad_amounts_are_refused_and_nothing_changes(make_project, admin_user, amount, message):
    project = make_project()
    before = counts()
    with pytest.raises(ValidationError, match=message):
        services.allocation_post(user=admin_user, budget=fiscal(project), amount=amount, date=DAY)
    assert counts() == before


def test_allocation_beyond_budget_is_refused(make_project, admin_user):
    project = make_project()
    services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("900000.00"), date=DAY)
    before = counts()
    with pytest.raises(ValidationError, match=r"exceed the East–West fiscal aid budget of 1000000.00 .*100000.00 left"):
        services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("100000.01"), date=DAY)
    assert counts() == before


def test_disbursement_beyond_allocation_is_refused(make_project, admin_user):
    project = make_project()
    services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("100000.00"), date=DAY)
    services.disbursement_post(user=admin_user, budget=fiscal(project), amount=D("90000.00"), date=DAY,
                               payee="青川茶业合作社", voucher="V1")
    before = counts()
    # 100,000 allocated − 6,000 pooled − 90,000 paid = 4,000 left
    with pytest.raises(ValidationError, match="4000.00 left"):
        services.disbursement_post(user=admin_user, budget=fiscal(project), amount=D("4000.01"), date=DAY,
                                   payee="x", voucher="V2")
    assert counts() == before
    services.disbursement_post(user=admin_user, budget=fiscal(project), amount=D("4000.00"), date=DAY,
                               payee="x", voucher="V2")
    assert fiscal(project).available == 0


def test_disbursement_needs_payee_and_voucher(make_project, admin_user):
    project = make_project()
    services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("100.00"), date=DAY)
    with pytest.raises(ValidationError, match="payee"):
        services.disbursement_post(user=admin_user, budget=fiscal(project), amount=D("1.00"), date=DAY, payee=" ",
                                   voucher="V")


def test_no_posting_to_a_project_in_reserve(make_project, admin_user):
    project = make_project(status="reserve")
    with pytest.raises(ValidationError, match="approved projects"):
        services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("1.00"), date=DAY)


def test_full_reversal_of_an_allocation_takes_back_the_pool_share(make_project, admin_user):
    project = make_project()
    entry = services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("1234.56"), date=DAY)
    services.reversal_post(user=admin_user, entry=entry, date=DAY, reason="wrong project")
    budget = fiscal(project)
    assert (budget.allocated, budget.pooled) == (0, 0)
    assert FundPool.objects.get().balance == 0
    assert selectors.reconcile() == []


def test_partial_reversal_and_applied_once(make_project, admin_user):
    project = make_project()
    entry = services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("1000.00"), date=DAY)
    with pytest.raises(ValidationError, match="exceeds the original"):
        services.reversal_post(user=admin_user, entry=entry, date=DAY, reason="typo", amount=D("1000.01"))
    rev = services.reversal_post(user=admin_user, entry=entry, date=DAY, reason="typo", amount=D("250.00"))
    assert (fiscal(project).allocated, fiscal(project).pooled) == (D("750.00"), D("45.00"))
    before = counts()
    with pytest.raises(ValidationError, match="already been reversed"):
        services.reversal_post(user=admin_user, entry=entry, date=DAY, reason="again", amount=D("1.00"))
    with pytest.raises(ValidationError, match="cannot itself be reversed"):
        services.reversal_post(user=admin_user, entry=rev, date=DAY, reason="undo")
    assert counts() == before


def test_reversing_an_allocation_already_paid_out_is_refused(make_project, admin_user):
    project = make_project()
    entry = services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("1000.00"), date=DAY)
    services.disbursement_post(user=admin_user, budget=fiscal(project), amount=D("900.00"), date=DAY, payee="p",
                               voucher="v")
    before = counts()
    with pytest.raises(ValidationError, match="reverse disbursements first"):
        services.reversal_post(user=admin_user, entry=entry, date=DAY, reason="r")
    assert counts() == before


def test_reversal_needs_a_reason_and_a_date_not_before_the_original(make_project, admin_user):
    project = make_project()
    entry = services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("10.00"), date=DAY)
    with pytest.raises(ValidationError, match="needs a reason"):
        services.reversal_post(user=admin_user, entry=entry, date=DAY, reason="")
    with pytest.raises(ValidationError, match="before the entry"):
        services.reversal_post(user=admin_user, entry=entry, date=DAY - dt.timedelta(days=1), reason="r")


def test_pool_payout_never_overdraws(make_project, admin_user):
    project = make_project()
    services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("100000.00"), date=DAY)
    pool = FundPool.objects.get()
    with pytest.raises(ValidationError, match="overdraw"):
        services.pool_payout(user=admin_user, pool=pool, amount=D("6000.01"), date=DAY, payee="p", voucher="v")
    services.pool_payout(user=admin_user, pool=pool, amount=D("6000.00"), date=DAY, payee="p", voucher="v")
    assert FundPool.objects.get().balance == 0
    assert selectors.reconcile() == []


def test_entries_are_never_edited_or_deleted(make_project, admin_user):
    project = make_project()
    entry = services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("10.00"), date=DAY)
    entry.amount = D("20.00")
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=D("20.00"))
    with pytest.raises(PermissionError):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get().amount == D("10.00")


def test_budget_cannot_be_cut_below_allocated(make_project, admin_user):
    project = make_project()
    services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("500.00"), date=DAY)
    with pytest.raises(ValidationError, match="already allocated"):
        services.budget_set(user=admin_user, project=project, source="east_fiscal", amount=D("499.99"))


def test_postings_are_audited(make_project, admin_user):
    from xiezuo.accounts.models import AuditEntry

    project = make_project()
    services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("100.00"), date=DAY)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"projects.ledger.allocated", "projects.pool.set_aside", "projects.project.approved"} <= actions


def test_every_county_reconciles_to_the_fen(make_project, admin_user, coop_world):
    # given postings in two counties
    qc = make_project()
    wc = make_project(county=coop_world["wangcang"])
    for project in (qc, wc):
        e = services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("333.33"), date=DAY)
        services.disbursement_post(user=admin_user, budget=fiscal(project), amount=D("100.01"), date=DAY, payee="p",
                                   voucher="v")
        services.reversal_post(user=admin_user, entry=e.budget.entries.filter(kind="disbursement").get(), date=DAY,
                               reason="r", amount=D("0.01"))
    # then each county's totals equal the sums of its entries
    for county in ("510822", "510821"):
        assert selectors.reconcile(county_code=county) == []
    assert selectors.pool_total() == D("20.00") * 2  # 6 % of 333.33 = 19.9998 → 20.00 each


def test_totals_stay_exact_over_many_fractional_entries(make_project, admin_user):
    # given ten allocations of 1.00 (pool share 0.06 each) and ten of 0.10: binary floats would drift
    project = make_project()
    for _ in range(10):
        services.allocation_post(user=admin_user, budget=fiscal(project), amount=D("1.00"), date=DAY)
        services.allocation_post(user=admin_user, budget=project.budgets.get(source="local"), amount=D("0.10"),
                                 date=DAY)
    # then the sums are exact to the fen on every database
    assert selectors.pool_total() == D("0.60")
    assert selectors.project_budget_totals(projects=type(project).objects.all())["allocated"] == D("11.00")
    assert selectors.reconcile() == []


def test_one_money_rule_serves_every_service():
    from xiezuo.projects import ledger
    from xiezuo.projects.money import exact_money

    # the pure check: thousands separators read, zero allowed only when asked, each refusal with its code
    assert ledger.clean_amount("1,234.50") == D("1234.50")
    assert ledger.clean_amount(0, allow_zero=True) == D("0.00")
    for value, kwargs, code in ((0, {}, "amount.not_positive"), (D("-1"), {"allow_zero": True}, "amount.negative"),
                                (D("1e20"), {}, "amount.too_large"), ("NaN", {}, "amount.invalid")):
        with pytest.raises(ledger.MoneyError) as refused:
            ledger.clean_amount(value, **kwargs)
        assert refused.value.code == code
    # the services' wrapper puts the refusal on the named field
    with pytest.raises(ValidationError) as refused:
        exact_money(1.5, field="monthly_wage")
    assert list(refused.value.message_dict) == ["monthly_wage"] and "floating-point" in str(refused.value)
