import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from xiezuo.dataio import jobs, specs
from xiezuo.dataio.jobs import SystemUser
from xiezuo.dataio.services import report_path

from ._progress import Bar


class Command(BaseCommand):
    help = ("Import a registry file (xlsx, csv, parquet): check every row, then commit all of it in one "
            "transaction. Exits 1 when errors stop the commit.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--entity", help="households, members, facts, ... (default: detected from headers)")
        parser.add_argument("--dry-run", action="store_true", help="check and preview, save nothing")
        parser.add_argument("--valid-only", action="store_true", help="commit the valid rows even if others fail")
        parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
        parser.add_argument("--user", help="act as this user (scope and audit); default: system administrator")
        parser.add_argument("--lang", choices=["zh", "en"], default="zh")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, file, entity, dry_run, valid_only, json: bool, user, lang, quiet, **options):
        if entity:
            try:
                specs.get(entity)
            except KeyError:
                raise CommandError(f"unknown entity {entity!r}") from None
        actor = _user(user)
        job = jobs.submit("import", user=actor, params={
            "path": str(file), "entity": entity, "dry_run": dry_run, "valid_only": valid_only, "lang": lang,
            "system": actor.pk is None})
        bar = Bar(enabled=not quiet)
        job = jobs.run(job, echo=bar)
        bar.done()
        if job.status != "done":
            raise CommandError(f"import {job.status}: {job.message}")
        data = job.result
        if json:
            out = {k: data[k] for k in ("rows", "new", "changed", "unchanged", "errors")}
            out.update({k: data[k] for k in ("warnings", "committed", "dry_run")})
            out["job"] = job.pk
            self.stdout.write(_dumps(out))
        else:
            with translation.override("en" if lang == "en" else "zh-hans"):
                self._print(data, job)
        if data["errors"] and data.get("blocked", True):
            sys.exit(1)

    def _print(self, data, job):
        self.stdout.write(f"rows {data['rows']}  new {data['new']}  changed {data['changed']}  "
                          f"unchanged {data['unchanged']}  errors {len(data['errors'])}  "
                          f"warnings {len(data['warnings'])}  committed {data['committed']}")
        for p in data["errors"][:50]:
            self.stdout.write(f"  {p['sheet']}!{p['row']} [{p['column']}] {p['value']!s}: {p['message']}")
        if len(data["errors"]) > 50:
            self.stdout.write(f"  ... {len(data['errors']) - 50} more")
        if data.get("report"):
            self.stdout.write(f"problem report: {report_path(job.pk)}")


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=1)


def _user(username):
    if not username:
        return SystemUser()
    from xiezuo.accounts.models import User

    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"no user {username!r}") from None
