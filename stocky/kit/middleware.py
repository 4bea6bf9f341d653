"""Browser-only middleware, left out on API paths (issue 7, bench/README.md "What each change bought").

The API authenticates with a Bearer token: it has no use for a session, a CSRF cookie, Django's
`request.user` or messages, which cost about 70 µs per request together (in-process, a single-row read).
Each class below is Django's own, doing nothing on paths under `settings.API_PATH_PREFIXES` ("/api/").
Elsewhere (the admin) nothing changes. Should a view under /api/ ever lack DRF's CSRF exemption, the CSRF
check still runs for it (process_view) and refuses the request, as it finds no token.
"""

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.csrf import CsrfViewMiddleware


class _BrowserOnly:
    def __call__(self, request):
        if request.path_info.startswith(settings.API_PATH_PREFIXES):
            return self.get_response(request)
        return super().__call__(request)


class BrowserSessionMiddleware(_BrowserOnly, SessionMiddleware):
    pass


class BrowserCsrfViewMiddleware(_BrowserOnly, CsrfViewMiddleware):
    pass


class BrowserAuthenticationMiddleware(_BrowserOnly, AuthenticationMiddleware):
    pass


class BrowserMessageMiddleware(_BrowserOnly, MessageMiddleware):
    pass
