"""Stocky's own settings, with one difference: the URLconf adds the ceiling views (bench/urls.py).

Everything else (middleware, database, DRF, JWT) comes from the environment exactly as in production;
bench/run.py sets that environment.
"""

from stocky.settings import *  # noqa: F403 -- the production settings, with the changes below

ROOT_URLCONF = "bench.urls"
# The ceiling views stand for API requests: they get the API's middleware (stocky/kit/middleware.py).
API_PATH_PREFIXES = (*API_PATH_PREFIXES, "/bench/ceiling/")  # noqa: F405
