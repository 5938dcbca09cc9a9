from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry, Grant, User


class GrantInline(admin.TabularInline):
    model = Grant
    extra = 0
    raw_id_fields = ("division",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "is_active", "is_superuser")
    list_filter = ("role", "is_active", "is_superuser")
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Xiezuo"), {"fields": ("role", "display_name")}))
    inlines = [GrantInline]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone: the log is append-only."""

    list_display = ("at", "actor_name", "action", "target_type", "target_repr", "division_code", "source")
    list_filter = ("source", "target_type")
    search_fields = ("action", "actor_name", "target_repr", "target_id", "division_code", "request_id")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
