"""REST API root: the schema, its docs, and each app's router under /api/<app>/."""

from importlib.util import find_spec

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from xiezuo.web.api_docs_views import SwaggerView

urlpatterns = [
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its script separately, so the Content-Security-Policy needs no inline script.
    # Its labels come in the request's language (web/api_docs_views.py).
    path("docs", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

for _app in ("geo", "registry", "policy", "measure", "monitoring", "cooperation", "projects",
             "labor", "consumption", "talent", "assessment", "dataio", "field"):
    if find_spec(f"xiezuo.{_app}.api"):
        urlpatterns.append(path(f"{_app}/", include(f"xiezuo.{_app}.api")))


@csrf_exempt  # it changes nothing; without this a POST to a wrong URL would get the HTML CSRF page
def _not_found(request, *args, **kwargs):
    return JsonResponse({"detail": "No such API endpoint; the list is at /api/schema and /api/docs.",
                         "code": "not_found"}, status=404)


# Last: anything under /api/ that matched no route answers JSON, not an HTML page.
urlpatterns.append(re_path(r"^.*$", _not_found))
