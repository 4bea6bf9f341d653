"""The admin page of hub catalogue orders (SPEC section B "Orders")."""

from django.contrib import admin, messages

from accounts.models import Role
from orders.catalogue import services
from orders.models import CatalogueOrder
from stocky.kit.errors import DomainError

# Read-only but for the state actions and deletion, both through orders.services (the API's rules and
# stock effects). Orders are created and edited through the API.


@admin.register(CatalogueOrder)
class CatalogueOrderAdmin(admin.ModelAdmin):
    list_display = ["id", "item", "client", "quantity", "state", "created_by", "created_at"]
    list_filter = ["state", "item__category"]
    list_select_related = ()  # prefetched instead, as in the API (see inventory.views.ProductViewSet)
    search_fields = ["client", "description", "item__name"]
    fields = ["item", "client", "description", "quantity", "state", "created_by", "created_at", "updated_at"]
    readonly_fields = fields
    actions = ["approve", "complete", "cancel"]
    # Who may delete follows CatalogueOrder.ROLE_PERMISSIONS (only Admins, SPEC section 0).
    transition_roles = frozenset({Role.ADMIN, Role.MANAGER})

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("item", "created_by")

    def has_add_permission(self, request):
        return False  # orders are created through the API, which checks the stock

    def has_change_permission(self, request, obj=None):
        return False  # edits go through the API; state changes through the actions below

    def has_transition_permission(self, request):
        return request.user.is_active and request.user.role in self.transition_roles

    def _transition(self, request, queryset, target):
        moved, refused = 0, []
        # One transaction per order (the service's): one refusal leaves the others done.
        for order in queryset.order_by("pk"):
            try:
                services.catalogue_order_transition(order=order, target=target, user=request.user)
                moved += 1
            except DomainError as exc:
                refused.append((order, exc.message))
        if moved:
            self.message_user(request, f"{moved} order(s) moved to {target}.", messages.SUCCESS)
        for order, reason in refused:
            self.message_user(
                request, f"Order {order.pk} ({order.item}) not moved to {target}: {reason}", messages.ERROR
            )

    @admin.action(description="Approve the selected orders (to Ready, takes stock)", permissions=["transition"])
    def approve(self, request, queryset):
        self._transition(request, queryset, CatalogueOrder.State.READY)

    @admin.action(description="Complete the selected orders", permissions=["transition"])
    def complete(self, request, queryset):
        self._transition(request, queryset, CatalogueOrder.State.COMPLETED)

    @admin.action(
        description="Cancel the selected orders (a Ready order gives its stock back)", permissions=["transition"]
    )
    def cancel(self, request, queryset):
        self._transition(request, queryset, CatalogueOrder.State.CANCELLED)

    def delete_model(self, request, obj):
        services.catalogue_order_delete(order=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for order in queryset.order_by("pk"):
            services.catalogue_order_delete(order=order, user=request.user)
