"""The views that serve the OpenAPI schema and the docs page (apart from stocky.kit.schema, which drf-spectacular's
views import through DEFAULT_SCHEMA_CLASS)."""

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response


class JSONErrorsMixin:
    """Errors in the JSON envelope, like every other answer under /api/, whatever renders the success
    (YAML for the schema, HTML for the docs page)."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaView(JSONErrorsMixin, SpectacularAPIView):
    """The schema, generated once per process: it changes only with the code, and generating it costs about a
    second, which a public endpoint must not spend on every request. (`?lang=` and `?version=` are ignored:
    the API has one version and one language.)"""

    generated = None

    @extend_schema(exclude=True)  # not an endpoint of the API it describes
    def get(self, request, *args, **kwargs):
        if SchemaView.generated is None:
            generator = self.generator_class(urlconf=self.urlconf, patterns=self.patterns)
            SchemaView.generated = generator.get_schema(request=request, public=self.serve_public)
        filename = self._get_filename(request, None)
        return Response(SchemaView.generated, headers={"Content-Disposition": f'inline; filename="{filename}"'})


class DocsView(JSONErrorsMixin, SpectacularSwaggerView):
    pass
