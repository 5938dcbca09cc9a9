"""Root URL configuration: one include per app that has pages or an API."""

from importlib.util import find_spec

from django.contrib import admin
from django.urls import include, path

from xiezuo.web.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("xiezuo.accounts.urls")),
    path("api/", include("xiezuo.api_urls")),
    path("", include("xiezuo.web.urls")),
]

# Domain apps register their pages under their own prefix as their urls.py appears.
for _app in ("geo", "registry", "policy", "measure", "monitoring", "cooperation", "projects",
             "labor", "consumption", "talent", "assessment", "dataio", "field"):
    if find_spec(f"xiezuo.{_app}.urls"):
        urlpatterns.append(path(f"{_app}/", include(f"xiezuo.{_app}.urls")))
