from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from xiezuo.dataio import services, specs
from xiezuo.dataio.jobs import SystemUser


class Command(BaseCommand):
    help = ("Export a list (households, members, facts, ...) to xlsx, csv or parquet, within the user's scope; "
            "identity numbers, phones and bank accounts masked unless --unmask --reason TEXT (audited).")

    def add_arguments(self, parser):
        parser.add_argument("entity")
        parser.add_argument("--format", choices=services.FORMATS, default="xlsx")
        parser.add_argument("-o", "--output", required=True)
        parser.add_argument("--unmask", action="store_true")
        parser.add_argument("--reason", default="")
        parser.add_argument("--user", help="act as this user (scope); default: system administrator")
        parser.add_argument("--lang", choices=["zh", "en"], default="zh")
        parser.add_argument("--year", type=int, default=None, help="iati only: projects running in this year")
        parser.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE",
                            help="the list page's filters, e.g. division=CODE (12 digits) status=exited year=2019")

    def handle(self, *args, entity, format, output, unmask, reason, user, lang, filter, **options):  # noqa: A002
        if entity == "iati":  # the IATI 2.03 activity file is written by the assessment app
            from xiezuo.assessment.iati import write_iati

            count = write_iati(year=options.get("year"), path=output)
            self.stderr.write(f"{count} activities -> {output}")
            return
        try:
            specs.get(entity)
        except KeyError:
            raise CommandError(f"unknown entity {entity!r}") from None
        actor = SystemUser()
        if user:
            from xiezuo.accounts.models import User

            try:
                actor = User.objects.get(username=user)
            except User.DoesNotExist:
                raise CommandError(f"no user {user!r}") from None
        params = dict(f.split("=", 1) for f in filter if "=" in f)
        try:
            if unmask:
                size = services.export_queryset(entity=entity, user=actor, params=params).count()
                services.unmask_authorise(user=actor, reason=reason, entity=entity, rows=size)
            count = services.export_file(entity=entity, fmt=format, path=output, user=actor, params=params,
                                         unmask=unmask, reason=reason, lang=lang)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError("--unmask needs --reason TEXT: " + "; ".join(exc.messages)) from None
        self.stderr.write(f"{count} rows -> {output}")
