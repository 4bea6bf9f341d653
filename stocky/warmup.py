"""Work every process would otherwise do on its first request, done once when the application loads.

The production server (stocky/serve.py, and gunicorn with `preload_app`) loads the application in its main
process and forks each worker from it, and replaces workers now and then (memory, or gunicorn's
`max_requests` every ~1,000 requests). Without this, every new worker imported the URLconf
(and through it every view, serializer and filter module), compiled its patterns and built the row plans
of the hot reads on its first request: 60-100 ms of CPU per worker, about 80 us per request on average at
the default `max_requests` (bench/README.md). Done before the fork, the work is shared by every worker.

Nothing here touches the database: a connection opened before a fork would be shared by the workers.
"""

from django.urls import URLPattern, URLResolver, get_resolver

from stocky.kit.rows import plan_for


def warm_up():
    """Import and compile the URLconf and build the row plan of every API view's serializer."""
    resolver = get_resolver()
    resolver.reverse_dict  # noqa: B018 -- builds the reverse lookup tables, used by reverse() and the schema
    # url_patterns imports the URLconf, and with it every app's URLconf, view, serializer and filter module.
    for view_class in _view_classes(resolver.url_patterns):
        serializer_class = getattr(view_class, "serializer_class", None)
        if serializer_class is not None:
            plan_for(serializer_class)


def _view_classes(patterns):
    for pattern in patterns:
        pattern.pattern.regex  # noqa: B018 -- compiled here, else on the first request that passes it
        if isinstance(pattern, URLResolver):
            yield from _view_classes(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
            yield pattern.callback.cls
