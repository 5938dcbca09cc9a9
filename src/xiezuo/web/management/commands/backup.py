from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xiezuo.web import backup


class Command(BaseCommand):
    help = ("Back up the database (online: the server may keep running) and the uploaded files into one "
            "archive. The field keys are not in it: back them up separately.")

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, type=Path, help="the archive to write (.tar)")

    def handle(self, *args, output, **options):
        try:
            manifest = backup.backup(output)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{output}: {manifest['vendor']} database, {len(manifest['files'])} file(s), "
                          f"{len(manifest['migrations'])} migrations applied")
        self.stderr.write(backup.KEYS_REMINDER)
