"""`xiezuo purge [--days N]`: remove uploaded import files and problem reports older than the retention period
(settings.DATAIO_RETENTION_DAYS, XIEZUO_RETENTION_DAYS; default 7 days), and export files older than a week.
Every import job does the same; run this daily (cron, a systemd timer) so a quiet server forgets them too."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Remove uploads, problem reports and export files past their retention period."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=float, help="retention in days (default: XIEZUO_RETENTION_DAYS, 7)")

    def handle(self, *args, days=None, **options):
        from xiezuo.dataio import services

        removed = services.purge_old_files(days=days)
        self.stdout.write(f"removed {removed['uploads']} upload(s), {removed['reports']} problem report(s), "
                          f"{removed['exports']} export file(s)")
