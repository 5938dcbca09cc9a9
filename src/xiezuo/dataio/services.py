"""dataio's use cases: import a file, export a list. Both run as jobs or directly from the CLI."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiezuo.accounts import access, audit
from xiezuo.accounts.audit import REASON_MIN_LENGTH
from xiezuo.accounts.models import AuditEntry

from . import specs, writers
from .importer import ImportResult, run_import
from .jobs import SystemUser, job_dir  # noqa: F401 - SystemUser re-exported

FORMATS = ("xlsx", "csv", "parquet")


def _reporting(rows: Iterable, total: int, progress: Callable[[float, str], None], every: int = 5000):
    for i, row in enumerate(rows):
        if i % every == 0:
            progress(0.05 + 0.9 * i / max(total, 1), f"{i:,} / {total:,}")
        yield row


def report_path(job_id: int | str) -> Path:
    return job_dir() / f"{job_id}-problems.xlsx"


def uploads_dir() -> Path:
    return Path(settings.DATA_DIR) / "uploads"


EXPORT_KEEP_DAYS = 7


def purge_old_files(*, days: float | None = None, now: float | None = None) -> dict[str, int]:
    """Remove what holds personal data and is no longer needed: uploaded import files (one folder each) and
    problem reports older than `days` (settings.DATAIO_RETENTION_DAYS), export files older than a week.
    A preview older than that can no longer be committed: the file has to be uploaded again."""
    now = now or time.time()
    cutoff = now - 86400 * (settings.DATAIO_RETENTION_DAYS if days is None else days)
    removed = {"uploads": 0, "reports": 0, "exports": 0}
    if uploads_dir().is_dir():
        for folder in uploads_dir().iterdir():
            if folder.stat().st_mtime < cutoff:
                if folder.is_dir():
                    shutil.rmtree(folder, ignore_errors=True)
                else:
                    folder.unlink(missing_ok=True)
                removed["uploads"] += 1
    for kind, pattern, before in (("reports", "*-problems.xlsx", cutoff),
                                  ("exports", "*-export.*", now - 86400 * EXPORT_KEEP_DAYS)):
        for path in job_dir().glob(pattern):
            if path.stat().st_mtime < before:
                path.unlink(missing_ok=True)
                removed[kind] += 1
    return removed


def import_file(*, path: str | Path, user, entity: str | None = None, dry_run: bool = True,
                valid_only: bool = False, lang: str = "zh", progress=None, job_id: str = "") -> ImportResult:
    """Check a file and, unless a dry run, commit it in one transaction (see importer)."""
    result = run_import(path, user=user, entity=entity, dry_run=dry_run, valid_only=valid_only, lang=lang,
                        progress=progress, job_id=job_id)
    if job_id and result.problems:
        from django.utils import translation

        with translation.override("en" if lang == "en" else "zh-hans"):
            writers.write_error_report(path, result.problems, report_path(job_id), lang=lang)
    return result


def export_queryset(*, entity: str, user, params: Any = None):
    """The scoped, filtered rows an export of `entity` writes (none of a personal-data list for a user
    who may not see personal data)."""
    spec = specs.get(entity)
    qs = spec.export_queryset(user=user, params=params or {})
    if getattr(spec.model, "personal_data", False) and not access.can_see_personal_data(user):
        qs = qs.none()
    return qs


class UnmaskRateLimited(PermissionDenied):
    """Too many unmasked exports by one user within the hour."""


UNMASK_AUTHORISED = "dataio.export.unmask_authorised"


def _check_unmask(user, reason: str) -> str:
    if not access.can_bulk_unmask(user):
        raise PermissionDenied(_("You are not allowed to export personal data in clear."))
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise ValidationError({"reason": _("Give a reason of at least %(n)d characters.") % {"n": REASON_MIN_LENGTH}})
    return reason


@transaction.atomic
def unmask_authorise(*, user, reason: str, entity: str, rows: int) -> None:
    """Allow one unmasked export: the permission, a real reason, and at most
    `XIEZUO_BULK_UNMASK_PER_HOUR` such exports per user in any hour (counted from the audit log,
    so it holds across worker processes). The authorisation is itself audited."""
    reason = _check_unmask(user, reason)
    since = timezone.now() - timedelta(hours=1)
    actor = getattr(user, "pk", None)
    recent = AuditEntry.objects.filter(action=UNMASK_AUTHORISED, at__gte=since)
    recent = recent.filter(actor_id=actor) if actor is not None else recent.filter(actor__isnull=True)
    if recent.count() >= settings.XIEZUO_BULK_UNMASK_PER_HOUR:
        raise UnmaskRateLimited(_("At most %(n)d exports in clear per hour; try again later.")
                                % {"n": settings.XIEZUO_BULK_UNMASK_PER_HOUR})
    audit.record(action=UNMASK_AUTHORISED, user=user, data={"entity": entity, "rows": rows, "reason": reason})


@transaction.atomic
def export_file(*, entity: str, fmt: str, path: str | Path, user, params: Any = None, unmask: bool = False,
                reason: str = "", lang: str = "zh", progress: Callable[[float, str], None] | None = None) -> int:
    """Write a scoped, filtered list; personal data masked unless `unmask` (with a reason, audited).
    `progress(fraction, message)` is called every few thousand rows (a job's, which may cancel it)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    spec = specs.get(entity)
    if unmask:  # authorised (and rate-limited) by unmask_authorise; the permission and reason re-checked here
        reason = _check_unmask(user, reason)
    params = params or {}
    qs = export_queryset(entity=entity, user=user, params=params)
    rows = spec.export_rows(qs, unmask=unmask)
    if progress is not None:
        rows = _reporting(rows, qs.count(), progress)
    count = writers.write_rows(spec, rows, path, fmt=fmt, lang=lang)
    filters = {k: params.get(k) for k in params if k not in ("csrfmiddlewaretoken",)} if params else {}
    audit.record(action="dataio.export.unmasked" if unmask else "dataio.export", user=user,
                 data={"entity": entity, "format": fmt, "rows": count, "filters": filters,
                       "unmask": unmask, "reason": reason})
    return count
