from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xiezuo.web import backup


class Command(BaseCommand):
    help = ("Restore an archive of `xiezuo backup` into this installation's empty database and data dir. "
            "Then run `xiezuo migrate` if the backup is older than this version.")

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)

    def handle(self, *args, archive, **options):
        try:
            manifest = backup.restore(archive)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored the backup of {manifest['created']} ({len(manifest['files'])} file(s)); "
                          "now run `xiezuo migrate`, then start the server and the workers")
        self.stderr.write("Identity numbers need the same field keys as the backed-up installation.")
