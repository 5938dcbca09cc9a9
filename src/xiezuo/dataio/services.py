"""dataio's use cases: import a file, export a list. Both run as jobs or directly from the CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from xiezuo.accounts import access, audit

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


@transaction.atomic
def export_file(*, entity: str, fmt: str, path: str | Path, user, params: Any = None, unmask: bool = False,
                reason: str = "", lang: str = "zh", progress: Callable[[float, str], None] | None = None) -> int:
    """Write a scoped, filtered list; personal data masked unless `unmask` (with a reason, audited).
    `progress(fraction, message)` is called every few thousand rows (a job's, which may cancel it)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    spec = specs.get(entity)
    if unmask:
        if not access.can_unmask(user):
            raise PermissionDenied("you may not unmask personal data")
        if not reason.strip():
            raise ValueError("unmasking needs a reason")
    params = params or {}
    qs = export_queryset(entity=entity, user=user, params=params)
    rows = (spec.export_row(obj, unmask=unmask) for obj in qs.iterator(chunk_size=2000))
    if progress is not None:
        rows = _reporting(rows, qs.count(), progress)
    count = writers.write_rows(spec, rows, path, fmt=fmt, lang=lang)
    filters = {k: params.get(k) for k in params if k not in ("csrfmiddlewaretoken",)} if params else {}
    audit.record(action="dataio.export.unmasked" if unmask else "dataio.export", user=user,
                 data={"entity": entity, "format": fmt, "rows": count, "filters": filters,
                       "unmask": unmask, "reason": reason})
    return count
