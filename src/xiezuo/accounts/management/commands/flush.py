"""Django's `flush` (empty every table), able to empty the append-only audit table too.

Emptying the whole database is a maintenance act outside the application (the test
runner uses it between transactional tests): the SQLite audit triggers are lifted, and the
PostgreSQL TRUNCATE triggers disabled, for its duration and put back afterwards. Both need
the tables' owner.
"""

from django.core.management.commands.flush import Command as FlushCommand

from xiezuo.accounts.triggers import lifted


class Command(FlushCommand):
    def handle(self, **options):
        with lifted(options.get("database") or "default"):
            return super().handle(**options)
