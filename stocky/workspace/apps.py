from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """The staff's workspace in the admin: its theme (django-unfold), sidebar, home page and pictures."""

    name = "stocky.workspace"
    label = "workspace"
    verbose_name = "Staff workspace"
