"""Reads served again without being rendered again, and never stale: an ETag and a per-process body cache
checked against the table versions (stocky.kit.versions) of every table the answer read (docs/caching.md).

A GET of a section A or hub viewset (FastReadMixin) goes through `fresh_read` once DRF has authenticated
the caller and checked the permissions:

1. The key: the absolute URL (scheme, host, path, query), the caller's role (and id where a view's answer
   depends on the caller: `cache_per_user`), Accept, the day (lots expire by date).
2. The tables the answer read last time (this key's entry, or the view's last answer) and their versions,
   in one query. Their hash with the key is the ETag: If-None-Match with it answers 304 without a body; the
   same ETag in this process's cache answers the cached body.
3. Otherwise the view renders, while every query it sends is noted; the versions were read *before* the
   view's first query, so the body is at least as new as the versions it is stored under (a write committed
   in between shows in the body and has changed the versions: the next read re-renders). If every table it
   read is versioned, the answer is stored and carries the ETag; otherwise it is sent as it is.

Only 200s are stored; errors, 4xx and writes pass through untouched.

A repeated GET is answered before DRF's dispatch (`FastPath`, wrapped around the viewset's view function by
FastReadMixin.as_view) when everything DRF would decide is already known in this process: the authenticator
names the caller without a query of its own (`cached_caller`: a token it checked before, a user row it read
before, current while the user table's version is unchanged), the view's permissions let that user's role
through, the view has no throttles, and the answer is in the body cache. One query then reads the versions
of the answer's tables and of the user table together. Anything else (no such caller, a changed user row, a
refusal, a miss, a changed version) goes the full way through DRF, which decides and answers as before.
"""

import hashlib
import threading
from collections import OrderedDict

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from stocky.kit import versions

CACHE_CONTROL = "private, no-cache"


class BodyCache:
    """A bounded least-recently-used map of key -> Entry, shared by the threads of one process."""

    def __init__(self, max_entries, max_bytes):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.entries = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        if self.max_entries <= 0 or len(entry.body) > self.max_bytes // 4:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old.body)
            self.entries[key] = entry
            self.size += len(entry.body)
            while self.entries and (len(self.entries) > self.max_entries or self.size > self.max_bytes):
                _, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped.body)

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.size = 0


class Entry:
    __slots__ = ("tables", "etag", "body", "content_type")

    def __init__(self, tables, etag, body, content_type):
        self.tables, self.etag, self.body, self.content_type = tables, etag, body, content_type


bodies = BodyCache(settings.READ_CACHE_ENTRIES, settings.READ_CACHE_BYTES)
# The tables each view read in its last answer: the first guess for a key this process has not answered.
view_tables = {}


class TableRecorder:
    """An execute_wrapper noting the model tables each query names."""

    def __init__(self):
        self.tables = set()

    def __call__(self, execute, sql, params, many, context):
        self.tables.update(versions.table_pattern().findall(sql))
        return execute(sql, params, many, context)


def cache_key(view, request):
    user = request.user
    parts = [
        request.build_absolute_uri(),
        str(getattr(user, "role", "")),
        str(user.pk) if getattr(view, "cache_per_user", False) else "",
        request.META.get("HTTP_ACCEPT", ""),
        timezone.localdate().isoformat(),
    ]
    return "\n".join(parts)


def etag_for(key, stamps):
    digest = hashlib.blake2b(key.encode(), digest_size=16)
    for table in sorted(stamps):
        digest.update(f"\n{table}={stamps[table]}".encode())
    return f'"{digest.hexdigest()}"'


def client_has(request, etag):
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    tags = parse_etags(header)
    # Weak comparison (RFC 9110 13.1.2): a proxy may have weakened the tag.
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


def with_validators(response, etag):
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    patch_vary_headers(response, ("Accept", "Authorization"))
    return response


def not_modified(etag):
    return with_validators(HttpResponseNotModified(), etag)


def cached_answer(request, key, entry, tables, stamps):
    """A 304 when the client holds the ETag that `tables`' versions (in `stamps`) give `key`, the cached body
    when `entry` was stored under it; None when the answer must be rendered."""
    etag = etag_for(key, {table: stamps[table] for table in tables})
    if client_has(request, etag):
        return not_modified(etag)
    if entry is not None and entry.etag == etag:
        return with_validators(HttpResponse(entry.body, content_type=entry.content_type), etag)
    return None


def fresh_read(view, handler, request, *args, **kwargs):
    """Answer the GET `handler` would, from the body cache or with a 304 when nothing it read has changed."""
    if connection.vendor not in ("mysql", "sqlite"):
        return handler(request, *args, **kwargs)
    key = cache_key(view, request)
    view_id = (type(view), view.action)
    entry = bodies.get(key)
    guess = entry.tables if entry is not None else view_tables.get(view_id)
    # Read before the view's first query: see the module's docstring.
    stamps = versions.read(guess) if guess is not None else versions.read_all()
    if guess is not None and guess <= stamps.keys():
        answer = cached_answer(request, key, entry, guess, stamps)
        if answer is not None:
            return answer
    recorder = TableRecorder()
    with connection.execute_wrapper(recorder):
        response = handler(request, *args, **kwargs)
        if response.status_code != 200 or not hasattr(response, "render"):
            return response
        render(view, request, response)
    tables = frozenset(recorder.tables)
    if not tables or not tables <= versions.versioned_tables():
        return response  # read an unversioned table (or none): nothing to check a later read against
    view_tables[view_id] = tables
    if not tables <= stamps.keys():
        # The view read a table the guess missed (or one without its triggers yet): its version was not
        # read before the data, so this answer cannot be labelled. The next read starts from these tables.
        return response
    etag = etag_for(key, {table: stamps[table] for table in tables})
    bodies.put(key, Entry(tables, etag, response.content, response["Content-Type"]))
    if client_has(request, etag):
        return not_modified(etag)
    return with_validators(response, etag)


def render(view, request, response):
    """Render a DRF Response now (as DRF's dispatch would after the view), to store its bytes."""
    response.accepted_renderer = request.accepted_renderer
    response.accepted_media_type = request.accepted_media_type
    response.renderer_context = view.get_renderer_context()
    response.render()


class FastPath:
    """A cache hit of one viewset route (`view_class` with its `actions`) answered before DRF's dispatch, with
    what the full path would answer: the same caller check, permissions, key, ETag, body and headers (the
    middleware around the view runs alike on both paths). `answer` returns None whenever the full path must
    decide: it then runs as if this did not exist."""

    def __init__(self, view_class, actions, initkwargs):
        self.view_class, self.actions, self.initkwargs = view_class, actions, initkwargs
        self._authenticator = None
        self._checked = False

    def authenticator(self):
        """The view's one authenticator if it can name a caller without a query, else None (no fast path)."""
        if not self._checked:
            view = self.view_class(**self.initkwargs)
            authenticators = view.get_authenticators()
            eligible = (
                len(authenticators) == 1
                and hasattr(authenticators[0], "cached_caller")
                and not view.get_throttles()  # a throttled read must count every request: DRF does that
            )
            self._authenticator = authenticators[0] if eligible else None
            self._checked = True
        return self._authenticator

    def answer(self, request, args, kwargs):
        method = request.method.lower()
        if method not in ("get", "head") or not settings.READ_CACHE or connection.vendor not in ("mysql", "sqlite"):
            return None
        action = self.actions.get(method) or (self.actions.get("get") if method == "head" else None)
        if action is None:
            return None
        # DRF's test client forcing a caller: DRF takes that one, not the token's (rest_framework.request).
        forced = (getattr(request, "_force_auth_user", None), getattr(request, "_force_auth_token", None))
        if any(value is not None for value in forced):
            return None
        authenticator = self.authenticator()
        if authenticator is None:
            return None
        view = self.view(request, args, kwargs, action)
        if not view.read_cache:
            return None
        drf_request = view.request = Request(request)
        try:
            response = self.hit(view, drf_request, authenticator)
        except Exception as exc:
            # Answered as DRF's dispatch answers it: the exception handler's 503 for an unavailable
            # database (stocky.kit.api), anything it does not handle raised on to Django.
            response = view.handle_exception(exc)
        if response is None:
            return None
        view.headers = view.default_response_headers
        return view.finalize_response(drf_request, response)  # what DRF adds to every answer (Allow, ...)

    def hit(self, view, drf_request, authenticator):
        """The cached answer (or a 304) for this caller, or None when the full path must decide."""
        request = drf_request._request
        caller = authenticator.cached_caller(request)
        if caller is None:
            return None
        drf_request.user, drf_request.auth = caller.user, caller.token  # as DRF's authentication sets them
        if not self.permitted(view, drf_request):
            return None
        key = cache_key(view, request)
        entry = bodies.get(key)
        if entry is None:
            return None
        stamps = versions.read(entry.tables | caller.versions.keys())
        if not caller.current(stamps) or not entry.tables <= stamps.keys():
            return None
        return cached_answer(request, key, entry, entry.tables, stamps)

    def view(self, request, args, kwargs, action):
        """The view instance DRF's view function would make (its handlers bound as the route maps them)."""
        view = self.view_class(**self.initkwargs)
        view.action_map = self.actions
        for method, name in self.actions.items():
            setattr(view, method, getattr(view, name))
        if hasattr(view, "get") and not hasattr(view, "head"):
            view.head = view.get
        view.args, view.kwargs, view.action = args, kwargs, action
        view.format_kwarg = view.get_format_suffix(**kwargs)
        return view

    @staticmethod
    def permitted(view, request):
        """DRF's check_permissions, without the refusal: False sends the request the full way (refused there).
        A permission that looks at the record itself needs the view to load it: the full way too."""
        for permission in view.get_permissions():
            if type(permission).has_object_permission is not BasePermission.has_object_permission:
                return False
            if not permission.has_permission(request, view):
                return False
        return True
