"""Every model in the admin goes through the scope layer and the audit trail."""

from __future__ import annotations

import pytest
from django.contrib import admin

from xiezuo.accounts.admin_base import AuditedAdminMixin, ScopedModelAdmin

# Third-party and framework models whose admin we do not own.
EXEMPT = {"auth.group"}


def test_every_admin_is_scoped_and_audited():
    offenders = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        if label in EXEMPT:
            continue
        if not isinstance(model_admin, AuditedAdminMixin):
            offenders.append(f"{label}: {type(model_admin).__name__} does not audit (use ScopedModelAdmin)")
        if getattr(model, "scope_field", None) and not isinstance(model_admin, ScopedModelAdmin):
            offenders.append(f"{label}: scoped model with an unscoped admin")
    assert not offenders, "\n".join(offenders)


@pytest.mark.django_db
def test_admin_foreign_key_choices_are_scoped(divisions, make_user, rf):
    from xiezuo.registry.models import Cadre, Household

    Cadre.objects.create(name="乙干部", division=divisions["wangcang_village"])
    Cadre.objects.create(name="甲干部", division=divisions["lizhou_village"])
    request = rf.get("/")
    request.user = make_user("lz", division=divisions["lizhou"])
    field = admin.site._registry[Household].formfield_for_foreignkey(Household._meta.get_field("cadre"), request)
    assert [c.name for c in field.queryset] == ["甲干部"]
