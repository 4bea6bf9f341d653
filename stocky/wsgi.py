import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stocky.settings")

application = get_wsgi_application()

# The URLconf and the hot reads' row plans, built here rather than on each worker's first request.
from stocky.warmup import warm_up  # noqa: E402 -- needs the application (and so the settings) loaded

warm_up()
