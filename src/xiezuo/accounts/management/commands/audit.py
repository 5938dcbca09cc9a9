"""`xiezuo audit verify` checks the audit log's hash chain; `xiezuo audit roles` limits the
application's PostgreSQL role on it (docs/access.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from xiezuo.accounts import chain, dbroles

MAX_LISTED = 50


def _expect(value: str) -> tuple[int, str]:
    seq, _sep, digest = value.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise CommandError("--expect takes SEQ:HASH as printed by an earlier `xiezuo audit verify`.")
    return int(seq), digest


class Command(BaseCommand):
    help = "Verify the audit log's hash chain, or print/apply the PostgreSQL role setup."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="op", required=True)
        verify = sub.add_parser("verify", help="walk the chain; exit 1 if anything was deleted, inserted, "
                                               "altered or back-dated")
        verify.add_argument("--expect", type=_expect, metavar="SEQ:HASH",
                            help="an earlier head, noted outside the database, that must still be in the chain")
        roles = sub.add_parser("roles", help="SQL giving the application role SELECT/INSERT only on the audit log")
        roles.add_argument("--app-role", required=True)
        roles.add_argument("--owner-role", help="the role that owns the tables (default: the connected user)")
        roles.add_argument("--password", help="set the app role's password (else set it yourself)")
        roles.add_argument("--apply", action="store_true", help="run the statements instead of printing them")

    def handle(self, *args, op, **options):
        if op == "verify":
            return self._verify(options["expect"])
        return self._roles(**options)

    def _verify(self, expect):
        report = chain.verify(expect=expect)
        for problem in report.problems[:MAX_LISTED]:
            self.stdout.write(f"{problem.kind}: {problem.message}")
        if len(report.problems) > MAX_LISTED:
            self.stdout.write(f"… and {len(report.problems) - MAX_LISTED} more problems")
        self.stdout.write(f"{report.checked} entries checked; head {report.head_seq}:{report.head_hash or '-'}")
        if not report.ok:
            first = report.problems[0]
            raise CommandError(f"The audit log was tampered with: {len(report.problems)} problems, "
                               f"the first: {first.message}", returncode=1)
        self.stdout.write("The audit chain is intact. Note the head above somewhere outside the database "
                          "and pass it later as --expect to detect removal of the newest entries.")

    def _roles(self, *, app_role, owner_role, password, apply, **_options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are a PostgreSQL feature; on SQLite the hash chain "
                               "(`xiezuo audit verify`) is the protection.")
        owner = owner_role or connection.get_connection_params().get("user") or "postgres"
        statements = dbroles.app_role_statements(app_role=app_role, owner_role=owner, password=password)
        if not apply:
            connection.ensure_connection()
            for statement in statements:
                self.stdout.write(statement.as_string(connection.connection) + ";")
            return
        with transaction.atomic(), connection.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
        self.stdout.write(f"Role {app_role} may now only read and append to the audit log.")
