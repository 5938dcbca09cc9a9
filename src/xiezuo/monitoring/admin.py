"""Back office for cases. Stage changes go through the pages (the workflow); here the
case's descriptive fields can be corrected; the step log and the measures are read-only."""

from django.contrib import admin

from xiezuo.accounts.admin_base import ScopedModelAdmin
from xiezuo.field.models import AssistanceMeasure

from .models import Attachment, Case, CaseStep


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseStepInline(ReadOnlyMixin, admin.TabularInline):
    model = CaseStep
    extra = 0
    fields = ("on", "from_stage", "to_stage", "actor_name", "comment")
    readonly_fields = fields


class MeasureInline(ReadOnlyMixin, admin.TabularInline):
    """Read-only: measures are written through `field.services` (audited)."""

    model = AssistanceMeasure
    extra = 0
    fields = ("category", "risk_type", "content", "helper", "on", "end_on", "amount", "result")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(ScopedModelAdmin):
    list_display = ("__str__", "household", "year", "category", "stage", "opened_on", "stage_due_on", "owner")
    list_filter = ("stage", "category", "year", "source")
    search_fields = ("household__number", "household__head_name")
    raw_id_fields = ("household",)
    readonly_fields = ("household", "county_code", "stage", "stage_entered_on", "stage_due_on", "opened_on",
                       "identified_on", "closed_on", "risk_types", "income_at_identification", "source",
                       "source_run_id", "income_stable", "rigid_expense_resolved")
    inlines = [CaseStepInline, MeasureInline]

    def has_add_permission(self, request):
        return False  # cases are opened through the signal pages, the CLI or the engine intake

    def has_delete_permission(self, request, obj=None):
        return False  # records are never deleted (domain brief §5.5)


@admin.register(CaseStep)
class CaseStepAdmin(ReadOnlyMixin, ScopedModelAdmin):
    list_display = ("case", "on", "from_stage", "to_stage", "actor_name")
    list_filter = ("to_stage",)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyMixin, ScopedModelAdmin):
    list_display = ("name", "case", "content_type", "size", "uploaded_at")
