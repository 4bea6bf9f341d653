"""What the business apps' admin pages share: saves that go through services and show their refusals on
the form, with the message and `errors` the API answers (stocky.kit.errors builds both)."""

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


def record_fields(obj):
    """The editable fields of a record the admin's form filled in, as keywords for a create service."""
    return {
        field.name: getattr(obj, field.name)
        for field in type(obj)._meta.concrete_fields
        if field.editable and not field.primary_key
    }


class ServiceSaves:
    """The services a page or an inline saves its records through, referenced directly:
    `create_service(user=, **fields)`, `update_service(<service_instance>=record, user=, **changed fields)`
    and `delete_service(<service_instance>=record, user=)`, each `staticmethod(...)`. Without them the
    record is saved as Django saves it (a record no rule governs, e.g. a client)."""

    create_service = update_service = delete_service = None
    service_instance = "line"  # the keyword the update and delete services take the record by

    def service_create(self, request, obj):
        saved = self.create_service(user=request.user, **record_fields(obj))
        obj.pk = saved.pk
        obj.refresh_from_db()

    def service_update(self, request, obj, changed):
        fields = {name: getattr(obj, name) for name in changed if name in record_fields(obj)}
        self.update_service(**{self.service_instance: obj}, user=request.user, **fields)

    def service_delete(self, request, obj):
        self.delete_service(**{self.service_instance: obj}, user=request.user)


class ServiceInlineMixin(ServiceSaves):
    """For an inline whose rows a rule governs (price-list lines, recipe items): each new, changed or deleted
    row goes through the inline's services, as the API's would."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.service_saves = self
        return formset


class ServiceAdminMixin(ServiceSaves):
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

    def save_model(self, request, obj, form, change):
        if self.create_service is None:
            super().save_model(request, obj, form, change)
        elif change:
            self.service_update(request, obj, form.changed_data)
        else:
            self.service_create(request, obj)

    def delete_model(self, request, obj):
        if self.delete_service is None:
            super().delete_model(request, obj)
        else:
            self.service_delete(request, obj)

    def delete_queryset(self, request, queryset):
        if self.delete_service is None:
            super().delete_queryset(request, queryset)
        else:
            for obj in queryset.order_by("pk"):
                self.service_delete(request, obj)

    def save_formset(self, request, form, formset, change):
        saves = getattr(formset, "service_saves", None)
        if saves is None:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # fills new_objects, changed_objects and deleted_objects, writes nothing
        for obj in formset.deleted_objects:
            saves.service_delete(request, obj)
        for obj, changed in formset.changed_objects:
            saves.service_update(request, obj, changed)
        for obj in formset.new_objects:
            saves.service_create(request, obj)


class ViewOnlyAdmin:
    """A page that shows records and never adds, changes or deletes them: they are written elsewhere (a
    ledger by the stock services, a lot by its moves, a job by its task, a token by the log-in)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
