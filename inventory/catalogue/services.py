"""The hub catalogue's writes: categories and products (SPEC section B "Catalogue"); their stock moves
through the ledger (inventory.services)."""

from contextlib import contextmanager
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower

from accounts.models import User
from inventory.images import NormalisedImage
from inventory.models import Category, Product, StockMovement
from inventory.services import lock_items, stock_change, stock_check_initial, stock_record_initial, stock_set
from stocky.kit.errors import InsufficientStock, InvalidInput

# `image=UNCHANGED` leaves a product's image alone; `image=None` removes it.
UNCHANGED = object()


def _delete_files_on_commit(files):
    """Delete stored files once the transaction that stopped referring to them has committed."""
    for file in files:
        if file:
            storage, name = file.storage, file.name
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name), robust=True)


@contextmanager
def _stored_image(product, image):
    """Store a normalised image on the product under a fresh name; delete it again if what follows fails."""
    if image is None:
        yield
        return
    file = image.as_file()
    product.image.save(file.name, file, save=False)
    storage, name = product.image.storage, product.image.name
    try:
        yield
    except BaseException:
        storage.delete(name)
        raise


def category_find(*, name: str) -> Category | None:
    """The category with this name in any letter case, or None."""
    # No name holds a NUL (the API refuses one), but MariaDB's collation ignores it: "PHONES\0" in a path
    # found, and deleted, "Phones" there, and nothing on SQLite.
    if "\x00" in name:
        return None
    # Folded by the database, as name_key is: Python's lower() folds more than SQLite's LOWER (ASCII only),
    # so "Émile" would find the category "émile" there rather than "Émile" itself.
    return Category.objects.filter(name_key=Lower(Value(name))).first()


@transaction.atomic
def category_create(*, name: str) -> Category:
    """A new category; a name that exists in any letter case is refused (400)."""
    error = InvalidInput(
        f"The category '{name}' already exists", errors={"name": [f"The category '{name}' already exists"]}
    )
    if category_find(name=name) is not None:
        raise error
    try:
        with transaction.atomic():
            return Category.objects.create(name=name)
    except IntegrityError:  # created by someone else since the check above
        raise error from None


@transaction.atomic
def category_delete(*, category: Category) -> None:
    """Delete a category and its products (SPEC); ProtectedError (409) if an order names one of them."""
    images = [product.image for product in category.products.exclude(image="")]
    category.delete()
    _delete_files_on_commit(images)


@transaction.atomic
def product_create(
    *,
    name: str,
    category: Category,
    description: str = "",
    quantity: Decimal | int = 0,
    image: NormalisedImage | None = None,
    user: User | None = None,
    pk: int | None = None,
    note: str = "",
) -> Product:
    """A new catalogue product; an initial quantity enters the ledger as such. `pk` keeps an imported id."""
    quantity = Decimal(quantity or 0)
    product = Product(pk=pk, name=name, category=category, description=description, quantity=quantity)
    stock_check_initial(item=product)  # before anything is written or stored
    with _stored_image(product, image):
        product.save(force_insert=pk is not None)
        stock_record_initial(item=product, user=user, note=note)
    return product


@transaction.atomic
def product_update(
    *,
    product: Product,
    name: str,
    category: Category,
    description: str | None = None,
    quantity: Decimal | None = None,
    image: NormalisedImage | None | object = UNCHANGED,  # object: UNCHANGED
    user: User | None = None,
    note: str = "Product updated",
) -> Product:
    """Update a product. A changed quantity is recorded as an adjustment; a replaced image is deleted."""
    on_hand = lock_items(Product, [product.pk])[product.pk].quantity
    old_image = product.image if product.image else None
    product.name, product.category = name, category
    if description is not None:
        product.description = description
    fields = ["name", "category", "description", "updated_at"]
    if image is not UNCHANGED:
        product.image = ""
        fields.append("image")
    with _stored_image(product, None if image is UNCHANGED else image):
        # Never `quantity` here: it moves only through the ledger, below.
        product.save(update_fields=fields)
        if quantity is not None and Decimal(quantity) != on_hand:
            stock_set(item=product, quantity=quantity, user=user, note=note)
    if image is not UNCHANGED and old_image:
        _delete_files_on_commit([old_image])
    product.refresh_from_db()
    return product


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Delete a product and, once committed, its image; ProtectedError (409) while orders name it."""
    image = product.image if product.image else None
    product.delete()
    _delete_files_on_commit([image])


@transaction.atomic
def product_quantity_change(
    *,
    product: Product,
    quantity: Decimal | None = None,
    delta: Decimal | None = None,
    note: str = "",
    user: User | None = None,
) -> Product:
    """Set (`quantity`) or adjust (`delta`) a product's stock, recorded as a manual adjustment.

    A result below zero raises InsufficientStock (409) and changes nothing.
    """
    if (quantity is None) == (delta is None):
        raise InvalidInput(
            "Give either quantity or delta",
            errors={"non_field_errors": ["Give either 'quantity' (set) or 'delta' (adjust), not both"]},
        )
    if quantity is not None:
        if Decimal(quantity) < 0:
            raise InsufficientStock([], message="The quantity cannot go below 0")
        stock_set(item=product, quantity=quantity, reason=StockMovement.Reason.ADJUSTMENT, user=user, note=note)
    else:
        stock_change(item=product, delta=delta, reason=StockMovement.Reason.ADJUSTMENT, user=user, note=note)
    product.refresh_from_db()
    return product
