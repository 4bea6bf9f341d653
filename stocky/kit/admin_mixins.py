"""What the business apps' admin pages share: saves that go through services and show their refusals on
the form, as the API answers them with a 400 or 409."""

from stocky.kit.errors import DomainError


def _with_service_error(form_class, error):
    """`form_class`, failing validation with the service's messages on the fields they name (or on top)."""

    class ServiceErrorForm(form_class):
        def clean(self):
            cleaned = super().clean()
            for field, texts in (error.errors or {None: [error.message]}).items():
                for text in texts:
                    self.add_error(field if field in self.fields else None, text)
            return cleaned

    ServiceErrorForm.__name__ = form_class.__name__
    return ServiceErrorForm


class ServiceAdminMixin:
    """For admin pages whose saves call services.

    A DomainError raised while saving rolls the whole page back (the admin saves in one transaction); the
    page is then shown again with what was typed, and the service's messages on the fields they name (or
    at the top), as a validation error would be.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            if request.method != "POST" or hasattr(request, "_service_error"):
                raise
            # Once more, with the error: the form is invalid this time, so nothing is saved.
            request._service_error = error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        error = getattr(request, "_service_error", None)
        return form if error is None else _with_service_error(form, error)
