"""Forms parse input only; the services validate, check scope and audit."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts.scoped_forms import divisions
from xiezuo.cooperation.models import Pairing
from xiezuo.dates import DatedForm, DateInput, RecordDateField
from xiezuo.geo.fields import DivisionCodeField
from xiezuo.geo.models import Division
from xiezuo.registry.models import Cadre

from .models import FundSource, Project, Status

DATE = DateInput()


class ProjectForm(forms.ModelForm):
    county = forms.ModelChoiceField(label=_("county"), queryset=Division.objects.none())
    township = DivisionCodeField(label=_("township code"), side="west", required=False)
    village = DivisionCodeField(label=_("village code"), side="west", required=False)

    class Meta:
        model = Project
        fields = ["code", "name", "name_en", "county", "township", "village", "category", "year", "end_year",
                  "pairing", "responsible", "task_force", "area_mu", "tag", "description"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        keep = (self.instance.county_id,) if self.instance.pk else ()
        self.fields["county"].queryset = divisions(level="county", side="west", user=user, keep=keep)
        self.fields["pairing"].queryset = Pairing.objects.restrict(user, "view").filter(
            level__in=("city", "county")).select_related("east_division", "west_division")
        cadres = Cadre.objects.restrict(user, "view").order_by("name")
        self.fields["responsible"].queryset = cadres
        self.fields["task_force"].queryset = cadres
        self.fields["task_force"].required = False
        if self.instance and self.instance.pk:
            self.initial["township"] = self.instance.township_id
            self.initial["village"] = self.instance.village_id

    def _post_clean(self):
        pass


class TransitionForm(DatedForm, forms.Form):
    to_status = forms.ChoiceField(label=_("new status"), choices=Status.choices)
    on = RecordDateField(label=_("date"), widget=DATE)
    reason = forms.CharField(label=_("reason (needed to go back)"), max_length=300, required=False)


class BudgetForm(forms.Form):
    source = forms.ChoiceField(label=_("fund source"), choices=FundSource.choices)
    amount = forms.DecimalField(label=_("budget (yuan)"), min_value=0, max_digits=16, decimal_places=2)


class PostingForm(DatedForm, forms.Form):
    KIND = (("allocation", _("Allocation")), ("disbursement", _("Disbursement")))
    kind = forms.ChoiceField(label=_("kind"), choices=KIND)
    source = forms.ChoiceField(label=_("fund source"), choices=FundSource.choices)
    amount = forms.DecimalField(label=_("amount (yuan)"), max_digits=16, decimal_places=2)
    date = RecordDateField(label=_("date"), widget=DATE)
    payee = forms.CharField(label=_("payee"), max_length=200, required=False)
    voucher = forms.CharField(label=_("voucher"), max_length=60, required=False)
    memo = forms.CharField(label=_("memo"), max_length=300, required=False)


class ReversalForm(DatedForm, forms.Form):
    entry = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.DecimalField(label=_("amount (empty: all)"), max_digits=16, decimal_places=2, required=False)
    date = RecordDateField(label=_("date"), widget=DATE)
    reason = forms.CharField(label=_("reason"), max_length=300)


class BeneficiaryForm(forms.Form):
    household_number = forms.CharField(label=_("household number"), max_length=30)
    people = forms.IntegerField(label=_("people benefiting"), min_value=1, max_value=50)
    year = forms.IntegerField(label=_("from year"), min_value=1996, max_value=2100)
    income_added = forms.DecimalField(label=_("income added (yuan per year)"), min_value=0, max_digits=16,
                                      decimal_places=2, required=False)


class PayoutForm(DatedForm, forms.Form):
    amount = forms.DecimalField(label=_("amount (yuan)"), max_digits=16, decimal_places=2)
    date = RecordDateField(label=_("date"), widget=DATE)
    payee = forms.CharField(label=_("payee"), max_length=200)
    voucher = forms.CharField(label=_("voucher"), max_length=60)
    memo = forms.CharField(label=_("memo"), max_length=300, required=False)
