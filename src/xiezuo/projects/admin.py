"""Back office for the project library. Ledger and pool entries are read-only here: money is
posted only through the services (the project pages), which keep the invariants."""

from django.contrib import admin

from xiezuo.accounts.admin_base import ScopedModelAdmin

from .models import (
    Budget,
    FundPool,
    FundPoolRule,
    LedgerEntry,
    PoolEntry,
    Project,
    ProjectBeneficiary,
    ProjectTransition,
)


class ReadOnlyAdmin(ScopedModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BudgetInline(admin.TabularInline):
    model = Budget
    extra = 0
    fields = ("source", "amount", "allocated", "disbursed", "pooled")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(ScopedModelAdmin):
    list_display = ("code", "name", "county", "category", "year", "status", "synthetic")
    list_filter = ("status", "category", "year", "synthetic")
    search_fields = ("code", "name", "name_en")
    raw_id_fields = ("county", "township", "village", "pairing", "responsible", "task_force")
    readonly_fields = ("status",)
    inlines = [BudgetInline]

    def has_add_permission(self, request):
        return False  # created through the project pages (services set the place and the history)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "project", "kind", "date", "amount", "payee", "voucher", "reverses")
    list_filter = ("kind",)
    search_fields = ("project__code", "voucher", "payee")
    list_select_related = ("project", "reverses")


@admin.register(PoolEntry)
class PoolEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "pool", "kind", "date", "amount", "ledger_entry")
    list_filter = ("kind",)


@admin.register(FundPool)
class FundPoolAdmin(ReadOnlyAdmin):
    list_display = ("county", "balance")


@admin.register(ProjectTransition)
class ProjectTransitionAdmin(ReadOnlyAdmin):
    list_display = ("project", "from_status", "to_status", "on", "reason", "by")


@admin.register(ProjectBeneficiary)
class ProjectBeneficiaryAdmin(ReadOnlyAdmin):
    list_display = ("project", "household", "people", "income_added", "year")
    raw_id_fields = ("project", "household")


@admin.register(FundPoolRule)
class FundPoolRuleAdmin(ScopedModelAdmin):
    list_display = ("county", "share", "valid_from", "note")
    raw_id_fields = ("county",)

    def has_add_permission(self, request):
        return bool(request.user.is_superuser or getattr(request.user, "role", "") == "admin")

    def has_change_permission(self, request, obj=None):
        return self.has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False
