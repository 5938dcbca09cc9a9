"""Form pieces that scope what they offer to the user: a model form that knows its user, and the divisions
to choose from. Shared by the domain apps' forms (here, below them, so none imports another app's forms)."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from xiezuo.dates import DatedForm
from xiezuo.geo.models import Division

from .access import prefixes_q, scope_prefixes


class UserForm(DatedForm, forms.ModelForm):
    """A model form that knows its user, to scope the choices it offers; its dates are DatedForm's."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def current(self, field: str) -> tuple:
        """The record's present value of a foreign key, kept among the choices of an edit."""
        value = getattr(self.instance, f"{field}_id", None)
        return (value,) if value is not None else ()


def divisions(*, level, side, user=None, keep=()):
    """Divisions to choose from; with `user`, only those in the user's scope (a county clerk picks their own
    county, not the city's seven), plus `keep` (the record's current ones, so an edit does not drop them)."""
    levels = (level,) if isinstance(level, str) else level
    qs = Division.objects.filter(level__in=levels, side=side)
    if user is not None:
        qs = qs.filter(prefixes_q("code", scope_prefixes(user, "view")) | Q(pk__in=list(keep)))
    return qs.order_by("code")
