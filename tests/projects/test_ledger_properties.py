"""Property-based: random sequences of allocations, disbursements, reversals and pool payouts
driven through the ledger services never break an invariant, and every refusal changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from xiezuo.projects import ledger, selectors, services
from xiezuo.projects.models import Budget, FundPool, LedgerEntry, PoolEntry

pytestmark = pytest.mark.django_db
DAY = dt.date(2019, 6, 1)
SHARE = Decimal("0.06")

amounts = st.one_of(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("400000.00"), places=2),
    st.sampled_from([Decimal("0.01"), Decimal("0.25"), Decimal("1000000.00")]),
    st.sampled_from([Decimal("0"), Decimal("-1.00"), Decimal("0.001")]),  # always refused
)


def snapshot():
    return (LedgerEntry.objects.count(), PoolEntry.objects.count(),
            tuple(Budget.objects.order_by("pk").values_list("allocated", "disbursed", "pooled")),
            tuple(FundPool.objects.order_by("pk").values_list("balance", flat=True)))


def run_machine(make_project, admin_user):
    class LedgerMachine(RuleBasedStateMachine):
        entries = Bundle("entries")

        def __init__(self):
            super().__init__()
            self.savepoint = transaction.savepoint()
            project = make_project(budgets={"east_fiscal": Decimal("1000000.00"), "local": Decimal("300000.00")})
            self.budgets = {b.source: b for b in project.budgets.all()}
            # the expected state, kept in plain Python
            self.model = {s: ledger.Totals(b.amount, Decimal(0), Decimal(0), Decimal(0))
                          for s, b in self.budgets.items()}
            self.pool = Decimal("0.00")
            self.pool_of_entry: dict[int, Decimal] = {}

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def _refused_unchanged(self, call):
            before = snapshot()
            with pytest.raises(ValidationError):
                call()
            assert snapshot() == before

        @rule(target=entries, source=st.sampled_from(["east_fiscal", "local"]), amount=amounts)
        def allocate(self, source, amount):
            t = self.model[source]
            pooled = ledger.pool_share(amount, SHARE) if source == "east_fiscal" else Decimal(0)
            new = ledger.Totals(t.budget, t.allocated + amount, t.disbursed, t.pooled + pooled)
            call = lambda: services.allocation_post(user=admin_user, budget=self.budgets[source],  # noqa: E731
                                                    amount=amount, date=DAY)
            if amount <= 0 or amount != amount.quantize(Decimal("0.01")) or new.broken():
                self._refused_unchanged(call)
                return None
            entry = call()
            self.model[source] = new
            self.pool += pooled
            self.pool_of_entry[entry.pk] = pooled
            return entry.pk

        @rule(target=entries, source=st.sampled_from(["east_fiscal", "local"]), amount=amounts)
        def disburse(self, source, amount):
            t = self.model[source]
            new = ledger.Totals(t.budget, t.allocated, t.disbursed + amount, t.pooled)
            call = lambda: services.disbursement_post(user=admin_user, budget=self.budgets[source],  # noqa: E731
                                                      amount=amount, date=DAY, payee="payee", voucher="V")
            if amount <= 0 or amount != amount.quantize(Decimal("0.01")) or new.broken():
                self._refused_unchanged(call)
                return None
            entry = call()
            self.model[source] = new
            return entry.pk

        @rule(pk=entries, fraction=st.sampled_from([None, Decimal("1"), Decimal("0.5"), Decimal("1.5")]))
        def reverse(self, pk, fraction):
            if pk is None:
                return
            original = LedgerEntry.objects.get(pk=pk)
            amount = None if fraction is None else (original.amount * fraction).quantize(Decimal("0.01"))
            source = original.budget.source
            t = self.model[source]
            rev_amount = original.amount if amount is None else amount
            already = LedgerEntry.objects.filter(reverses=original).exists()
            pool_back = Decimal(0)
            if original.kind == "allocation":
                pool_back = ledger.pool_share_reversed(self.pool_of_entry.get(pk, Decimal(0)), original.amount,
                                                       rev_amount)
                new = ledger.Totals(t.budget, t.allocated - rev_amount, t.disbursed, t.pooled - pool_back)
            else:
                new = ledger.Totals(t.budget, t.allocated, t.disbursed - rev_amount, t.pooled)
            call = lambda: services.reversal_post(user=admin_user, entry=original, date=DAY,  # noqa: E731
                                                  reason="correction", amount=amount)
            if (already or rev_amount <= 0 or rev_amount > original.amount or new.broken()
                    or pool_back > self.pool):
                self._refused_unchanged(call)
                return
            call()
            self.model[source] = new
            self.pool -= pool_back

        @rule(amount=amounts)
        def pay_from_pool(self, amount):
            pool = FundPool.objects.filter(county_id="510822000000").first()
            if pool is None:
                return
            call = lambda: services.pool_payout(user=admin_user, pool=pool, amount=amount, date=DAY,  # noqa: E731
                                                payee="loan guarantee", voucher="P")
            if amount <= 0 or amount != amount.quantize(Decimal("0.01")) or amount > self.pool:
                self._refused_unchanged(call)
                return
            call()
            self.pool -= amount

        @invariant()
        def matches_the_model_and_reconciles(self):
            for source, budget in self.budgets.items():
                budget.refresh_from_db()
                got = ledger.Totals(budget.amount, budget.allocated, budget.disbursed, budget.pooled)
                assert got == self.model[source]
                assert got.broken() == []
            pool = FundPool.objects.filter(county_id="510822000000").first()
            assert (pool.balance if pool else Decimal(0)) == self.pool
            assert selectors.reconcile() == []

    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=20, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))


def test_random_postings_keep_every_invariant(make_project, admin_user):
    run_machine(make_project, admin_user)
