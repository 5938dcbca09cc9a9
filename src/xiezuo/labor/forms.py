"""Forms for labour pages: they parse input only; the services validate and save."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xiezuo.geo.models import Division
from xiezuo.registry.models import Member

from .models import Placement, VocationalStudent, Workshop, Workstation


class UserForm(forms.ModelForm):
    """A model form that knows its user, to scope the choices it offers."""

    date_fields: tuple[str, ...] = ()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name in self.date_fields:
            if name in self.fields:
                self.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def member_field(user) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Member.objects.restrict(user, "change").filter(deceased=False), label=_("Member (registry id)"),
        widget=forms.NumberInput, help_text=_("The member's number in the registry (see the household page)."))


def divisions(*, level, side):
    levels = (level,) if isinstance(level, str) else level
    return Division.objects.filter(level__in=levels, side=side).order_by("code")


class WorkstationForm(UserForm):
    date_fields = ("opened_on", "closed_on")

    class Meta:
        model = Workstation
        fields = ["name", "east_division", "serves", "opened_on", "closed_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["east_division"].queryset = divisions(level=("city", "county"), side="east")
        self.fields["serves"].queryset = divisions(level="county", side="west")


class WorkshopForm(UserForm):
    date_fields = ("opened_on",)

    class Meta:
        model = Workshop
        fields = ["name", "village", "owner_name", "owner_uscc", "opened_on", "jobs_offered"]
        widgets = {"village": forms.TextInput(attrs={"inputmode": "numeric", "size": 14})}
        help_texts = {"village": _("The village's 12-digit division code.")}


class PlacementForm(UserForm):
    date_fields = ("start_date", "end_date")
    months_employed = forms.IntegerField(label=_("Months employed in the start year"), required=False,
                                         help_text=_("Left blank, it is computed from the dates."))

    class Meta:
        model = Placement
        fields = ["member", "employer", "place", "workstation", "workshop", "start_date", "end_date",
                  "monthly_wage", "months_employed"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"] = member_field(self.user)
        self.fields["workstation"].queryset = Workstation.objects.restrict(self.user, "view")
        self.fields["workshop"].queryset = Workshop.objects.restrict(self.user, "view")


class StudentForm(UserForm):
    class Meta:
        model = VocationalStudent
        fields = ["member", "school", "school_division", "programme", "enrolled_year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"] = member_field(self.user)
        self.fields["school_division"].queryset = divisions(level=("city", "county"), side="east")
