"""`xiezuo cases`: list monitoring cases, open cases from the latest published run, import
department warnings."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xiezuo.monitoring import selectors, services, signals


def _actor(username: str | None):
    if not username:
        return services.SystemUser()
    from xiezuo.accounts.models import User

    try:
        return User.objects.get(username=username)
    except User.DoesNotExist as exc:
        raise CommandError(f"no user {username!r}") from exc


class Command(BaseCommand):
    help = "Return-to-poverty monitoring cases: list, open-from-run, import-warnings."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ls = sub.add_parser("list", help="list cases")
        ls.add_argument("--json", action="store_true", help="JSON lines array on stdout")
        ls.add_argument("--county", default="", help="county code (6 or 12 digits)")
        ls.add_argument("--stage", default="")
        ls.add_argument("--category", default="")
        ls.add_argument("--year", type=int)
        ls.add_argument("--overdue", action="store_true")
        ls.add_argument("--user", help="list as this user (scope applies); default: everything")
        run = sub.add_parser("open-from-run", help="open cases for the flags of the latest published run")
        run.add_argument("--year", type=int)
        run.add_argument("--user")
        imp = sub.add_parser("import-warnings", help="open cases from a department-warning CSV/XLSX file")
        imp.add_argument("file")
        imp.add_argument("--user")
        imp.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the messages")

    def handle(self, *args, **opts):
        action = opts["action"]
        user = _actor(opts.get("user"))
        if action == "list":
            from xiezuo.monitoring.models import Stage

            if opts["stage"] and opts["stage"] not in Stage.values:
                raise CommandError(f"unknown stage {opts['stage']!r}; one of: {', '.join(Stage.values)}")
            if opts["county"] and not opts["county"].isdigit():
                raise CommandError("--county takes a division code (digits)")
            f = selectors.CaseFilter(queue="", county=opts["county"], stage=opts["stage"],
                                     category=opts["category"], year=opts["year"], overdue=opts["overdue"])
            rows = list(selectors.case_rows(user=user, filters=f))
            if opts["json"]:
                self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            else:
                for r in rows:
                    cells = [r["case"], r["household"], r["county"], r["year"], r["stage"], r["category"] or "-",
                             ",".join(r["risk_types"]), "OVERDUE" if r["overdue"] else ""]
                    self.stdout.write("\t".join(str(c) for c in cells).rstrip())
                self.stderr.write(f"{len(rows)} cases")
        elif action == "open-from-run":
            run = signals.latest_published_run(year=opts["year"])
            if run is None:
                raise CommandError("there is no published measurement run" +
                                   (f" for {opts['year']}" if opts["year"] else ""))
            result = signals.open_from_run(run, user)
            self.stdout.write(f"{len(result.opened)} cases opened, {len(result.skipped)} households skipped")
        elif action == "import-warnings":
            # The data-exchange import with the department-warning sheet: the same header matching, cell
            # checks and row-level messages as every other import, all or none.
            from xiezuo.dataio.importer import run_import

            path = Path(opts["file"])
            if not path.is_file():
                raise CommandError(f"no file {path}")
            result = run_import(path, user=user, entity="warnings", dry_run=False, lang=opts["lang"])
            for p in result.problems:
                where = f"{p.sheet} " if p.sheet else ""
                self.stderr.write(f"{where}row {p.row}, column {p.column}: {p.value} — {p.message}")
            if not result.committed:
                raise CommandError(f"{len(result.errors)} errors; nothing was imported")
            self.stdout.write(f"{result.new} cases opened")
