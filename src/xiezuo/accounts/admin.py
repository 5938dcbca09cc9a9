from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .access import is_admin
from .admin_base import AuditedAdminMixin, ScopedModelAdmin
from .models import ApiToken, AuditEntry, Grant, User


class GrantInline(admin.TabularInline):
    model = Grant
    extra = 0
    raw_id_fields = ("division",)


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    """Users and their grants: administrators only; every change is audited."""

    list_display = ("username", "display_name", "role", "is_active", "is_superuser", "totp_enabled")
    list_filter = ("role", "is_active", "is_superuser", "totp_enabled")
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Xiezuo"), {"fields": ("role", "display_name", "totp_enabled")}))
    inlines = [GrantInline]

    def get_readonly_fields(self, request, obj=None):
        # Turning off one's own second factor needs the password and a code (the two-factor
        # page); here an administrator may only turn it off for someone else (a lost phone).
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.pk == request.user.pk:
            return (*fields, "totp_enabled")
        return fields

    def has_module_permission(self, request):
        return is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_add_permission(self, request):
        return is_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_admin(request.user)


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedModelAdmin):
    """Read-only for everyone: the log is append-only; scoped like the audit page."""

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


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Tokens as stored: prefix, dates, never the key. Revoke by deleting; tokens are created
    by their owner at /accounts/tokens/ or with `xiezuo token create`."""

    list_display = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at", "expires_at")
    search_fields = ("user__username", "name", "prefix")
    readonly_fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    exclude = ("digest",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
