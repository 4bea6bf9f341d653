"""The admin's sidebar, in the business's words (settings.UNFOLD["SIDEBAR"] names `sidebar`).

Each entry shows only to those whose role may view it (accounts.backends.RoleBackend), as the admin's own
app list does; any model not named here stays reachable under "All applications".
"""

from django.urls import NoReverseMatch, reverse

# (group, [(title, icon, "app_label.model_name" or an admin URL name, the permission to view it)])
GROUPS = [
    (
        "Stock",
        [
            ("Raw materials", "inventory_2", "inventory.rawproduct", None),
            ("Finished products", "bakery_dining", "inventory.finishedproduct", None),
            ("Lots", "inventory", "inventory.lot", None),
            ("Stock ledger", "receipt_long", "inventory.stockmovement", None),
            ("Catalogue products", "storefront", "inventory.product", None),
            ("Catalogue categories", "category", "inventory.category", None),
        ],
    ),
    (
        "Production",
        [
            ("Production plans", "event", "production.productionplan", None),
            (
                "Material requirements",
                "checklist",
                "admin:production_productionplan_requirements",
                "production.view_productionplan",
            ),
            ("Recipe items", "menu_book", "production.recipeitem", None),
        ],
    ),
    (
        "Sales",
        [
            ("Sales orders", "local_shipping", "orders.finishedproductorder", None),
            ("Clients", "groups", "orders.client", None),
            ("Hub orders", "shopping_cart", "orders.catalogueorder", None),
        ],
    ),
    (
        "Purchasing",
        [
            ("Purchase orders", "shopping_bag", "orders.rawproductorder", None),
            ("Suppliers", "factory", "inventory.supplier", None),
            ("Price lists", "sell", "inventory.supplierrawproduct", None),
        ],
    ),
    (
        "People",
        [
            ("Users", "person", "accounts.user", None),
            ("Invitations", "mail", "accounts.invitation", None),
            ("Import jobs", "upload_file", "exchange.importjob", None),
        ],
    ),
]


def _link(target):
    name = target if ":" in target else "admin:{}_{}_changelist".format(*target.split("."))
    try:
        return reverse(name)
    except NoReverseMatch:  # a page another branch removed: leave it out rather than fail every page
        return None


def _can_view(permission):
    return lambda request: request.user.has_perm(permission)


def sidebar(request):
    """The sidebar's groups for this request (unfold calls it on every admin page)."""
    groups = [
        {
            "title": "Home",
            "items": [{"title": "What needs attention", "icon": "dashboard", "link": reverse("admin:index")}],
        }
    ]
    for title, entries in GROUPS:
        items = []
        for label, icon, target, permission in entries:
            link = _link(target)
            if link is None:
                continue
            if permission is None:
                app_label, model_name = target.split(".")
                permission = f"{app_label}.view_{model_name}"
            items.append({"title": label, "icon": icon, "link": link, "permission": _can_view(permission)})
        if any(request.user.has_perm(p) for p in _permissions(entries)):
            groups.append({"title": title, "separator": True, "items": items})
    return groups


def _permissions(entries):
    for _label, _icon, target, permission in entries:
        yield permission or "{}.view_{}".format(*target.split("."))
