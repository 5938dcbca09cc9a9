from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from xiezuo.accounts.admin_base import ScopedModelAdmin
from xiezuo.measure.engine.spec import validate

from .models import PolicyVersion


class PolicyVersionForm(forms.ModelForm):
    class Meta:
        model = PolicyVersion
        fields = ["name", "province", "year", "status", "parameters", "notes", "based_on", "shipped"]

    def clean_parameters(self):
        parameters = self.cleaned_data["parameters"]
        errors = validate(parameters)
        if errors:
            raise ValidationError(errors)
        return parameters

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not PolicyVersion.objects.get(pk=self.instance.pk).editable:
            raise ValidationError("This version is published or was used by a published run; copy it instead.")
        return cleaned


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ScopedModelAdmin):
    form = PolicyVersionForm
    list_display = ("name", "year", "province", "status", "shipped", "updated_at")
    list_filter = ("status", "year", "shipped")
    search_fields = ("name",)
    raw_id_fields = ("province", "based_on")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.editable:
            return [f.name for f in self.model._meta.fields]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.editable)
