"""The last step every simple create/update service shares: re-check scope, validate, save, audit."""

from __future__ import annotations

from django.db import models

from . import access, audit


def apply_fields(instance: models.Model, fields: dict) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)


def save_audited(*, user, instance: models.Model, before: dict | None, action: str, division_code: str | None,
                 personal: bool = False) -> models.Model:
    """Save `instance` inside the caller's transaction; `division_code=None` marks unscoped reference data."""
    if division_code is not None:
        access.ensure_within(user, division_code, "change", personal_data=personal)
    instance.full_clean()
    instance.save()
    audit.record(action=action, user=user, target=instance, before=before, after=audit.snapshot(instance),
                 division_code=division_code or "")
    return instance
