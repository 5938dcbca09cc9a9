from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "xiezuo.accounts"
    verbose_name = _("Accounts and access")

    def ready(self) -> None:
        from django.contrib import admin
        from django.contrib.auth import REDIRECT_FIELD_NAME
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import urlencode

        from . import schema  # noqa: F401  (OpenAPI extension for Bearer tokens)

        # The admin logs in through our login page, so throttling and the second factor apply.
        def admin_login(request, extra_context=None):
            target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
            return redirect(f"{reverse('login')}?{urlencode({REDIRECT_FIELD_NAME: target})}")

        admin.site.login = admin_login
