"""Admin for assistance measures: read-only (writes go through `field.services`, which audit)."""

from django.contrib import admin

from xiezuo.accounts.admin_base import ScopedModelAdmin

from .models import AssistanceMeasure


@admin.register(AssistanceMeasure)
class AssistanceMeasureAdmin(ScopedModelAdmin):
    list_display = ("household", "year", "category", "content", "helping_unit", "amount", "on", "case")
    list_filter = ("year", "category")
    search_fields = ("household__number", "content", "helping_unit")
    raw_id_fields = ("household", "case", "beneficiary", "placement", "attendee")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
