"""Django's `flush` (empty every table), able to empty the append-only audit table too.

Emptying the whole database is a maintenance act outside the application (the test
runner uses it between transactional tests); on SQLite the audit triggers are lifted for
its duration and put back afterwards. PostgreSQL's TRUNCATE fires no row triggers.
"""

from django.core.management.commands.flush import Command as FlushCommand

from xiezuo.accounts.triggers import lifted_on_sqlite


class Command(FlushCommand):
    def handle(self, **options):
        with lifted_on_sqlite(options.get("database") or "default"):
            return super().handle(**options)
