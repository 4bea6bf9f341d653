from django.urls import re_path

from accounts import views
from stocky.kit.api import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("users", views.UserViewSet, basename="user")

# With and without a trailing slash, as every API path.
urlpatterns = [
    re_path(r"^auth/login/?$", views.LoginView.as_view(), name="auth-login"),
    re_path(r"^auth/refresh/?$", views.RefreshView.as_view(), name="auth-refresh"),
    re_path(r"^auth/logout/?$", views.LogoutView.as_view(), name="auth-logout"),
    re_path(r"^auth/me/?$", views.MeView.as_view(), name="auth-me"),
    re_path(r"^auth/invite/?$", views.InviteView.as_view(), name="auth-invite"),
    re_path(r"^auth/register/?$", views.RegisterView.as_view(), name="auth-register"),
    *router.urls,
]
