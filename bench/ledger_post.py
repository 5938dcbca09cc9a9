"""Fund-ledger posting throughput through the services (locks, checks, audit), plus the demo
build and the reconciliation time. Usage: XIEZUO_DATA_DIR=... python bench/ledger_post.py [N]

Runs inside one outer transaction that is rolled back, so the database is left unchanged.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from decimal import Decimal


def main(n: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiezuo.settings")
    django.setup()
    from django.db import connection, transaction

    from xiezuo.accounts.models import User
    from xiezuo.projects import selectors, services
    from xiezuo.projects.models import Budget

    print(f"machine: {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB; "
          f"database: {connection.vendor}")
    admin = User.objects.filter(role="admin").first() or User.objects.filter(is_superuser=True).first()
    budget = Budget.objects.filter(project__status="in_progress", source="east_fiscal",
                                   project__category="industry").first()
    if admin is None or budget is None:
        sys.exit("run `xiezuo demo --no-serve` first")
    with transaction.atomic():
        services.budget_set(user=admin, project=budget.project, source="east_fiscal",
                            amount=budget.amount + Decimal(n) * 100)
        started = time.perf_counter()
        entries = []
        for i in range(n):
            entries.append(services.allocation_post(user=admin, budget=budget, amount=Decimal("100.00"),
                                                    date=dt.date(2023, 6, 1)))
            services.disbursement_post(user=admin, budget=budget, amount=Decimal("50.00"), date=dt.date(2023, 6, 2),
                                       payee="bench", voucher=f"B{i}")
        posting = time.perf_counter() - started
        started = time.perf_counter()
        for e in entries[: n // 2]:
            services.reversal_post(user=admin, entry=e, date=dt.date(2023, 6, 3), reason="bench",
                                   amount=Decimal("40.00"))
        reversing = time.perf_counter() - started
        started = time.perf_counter()
        problems = selectors.reconcile()
        reconciling = time.perf_counter() - started
        print(f"{2 * n} postings (allocation + 6 % pool share, disbursement) in {posting:.2f} s: "
              f"{2 * n / posting:.0f} postings/s")
        print(f"{n // 2} partial reversals in {reversing:.2f} s: {(n // 2) / reversing:.0f}/s")
        print(f"reconcile all budget lines and pools: {reconciling:.2f} s, mismatches: {len(problems)} {problems[:3]}")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
