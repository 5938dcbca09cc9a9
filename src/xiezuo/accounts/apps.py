from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "xiezuo.accounts"
    verbose_name = _("Accounts and access")

    def ready(self) -> None:
        from django.contrib import admin
        from django.contrib.auth import REDIRECT_FIELD_NAME
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import urlencode

        from . import schema  # noqa: F401  (OpenAPI extension for Bearer tokens)
        from .access import may_use_admin

        # The admin is a back office for system administrators only (docs/access.md, "The admin"):
        # it writes models directly, past the services' rules, so scoped staff use the pages.
        admin.site.has_permission = may_use_admin

        # The admin logs in through our login page, so throttling and the second factor apply.
        def admin_login(request, extra_context=None):
            if request.user.is_authenticated:  # signed in but not an administrator: no login loop
                raise PermissionDenied
            target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
            return redirect(f"{reverse('login')}?{urlencode({REDIRECT_FIELD_NAME: target})}")

        admin.site.login = admin_login
