"""The Swagger UI page (drf-spectacular's split view, assets from the sidecar package: no CDN), with its
labels in the request's language (`api_docs.SWAGGER_LABELS`, swapped in by static/web/swagger_labels.js)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView

from . import api_docs


class SwaggerView(SpectacularSwaggerSplitView):
    """The page's template is web/templates/drf_spectacular/swagger_ui.html (our chrome, same context)."""

    def dispatch(self, request, *args, **kwargs):
        lang = request.GET.get("lang")
        if lang not in dict(settings.LANGUAGES):
            return super().dispatch(request, *args, **kwargs)  # LocaleMiddleware's choice stays active
        # `?lang=` (what the page passes on to the schema): the page itself in that language too, so it is
        # rendered here, before the language is reset
        with translation.override(lang):
            response = super().dispatch(request, *args, **kwargs)
            return response.render() if hasattr(response, "render") else response

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if request.GET.get("script") is None:
            response.data["labels"] = {"lang": translation.get_language(), "labels": api_docs.swagger_labels()}
        return response
