"""The views that serve the OpenAPI schema and the docs page (apart from stocky.schema, which drf-spectacular's
views import through DEFAULT_SCHEMA_CLASS)."""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.renderers import JSONRenderer


class JSONErrorsMixin:
    """Errors in the JSON envelope, like every other answer under /api/, whatever renders the success
    (YAML for the schema, HTML for the docs page)."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaView(JSONErrorsMixin, SpectacularAPIView):
    pass


class DocsView(JSONErrorsMixin, SpectacularSwaggerView):
    pass
