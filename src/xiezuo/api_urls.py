"""REST API root: the schema, its docs, and each app's router under /api/<app>/."""

from importlib.util import find_spec

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its script separately, so the Content-Security-Policy needs no inline script.
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

for _app in ("geo", "registry", "policy", "measure", "monitoring", "cooperation", "projects",
             "labor", "consumption", "talent", "assessment", "dataio"):
    if find_spec(f"xiezuo.{_app}.api"):
        urlpatterns.append(path(f"{_app}/", include(f"xiezuo.{_app}.api")))
