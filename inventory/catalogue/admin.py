"""The hub catalogue's admin pages: categories and products (SPEC section B "Catalogue")."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html

from inventory.catalogue import services
from inventory.images import ImageTooLarge, image_from_upload
from inventory.models import (
    Category,
    Product,
)

# Every write goes through inventory.services, as the API's do: quantities through the ledger, images
# through inventory.images, file deletions after commit.


class CategoryAdminForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name"]

    def clean_name(self):
        name = self.cleaned_data["name"]
        if "/" in name:
            raise forms.ValidationError("A category name cannot contain '/'")
        existing = services.category_find(name=name)
        if existing is not None and existing.pk != self.instance.pk:
            raise forms.ValidationError(f"The category '{existing.name}' already exists")
        return name


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = ["name", "product_count", "created_at"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_count=Count("products"))

    @admin.display(description="products", ordering="product_count")
    def product_count(self, category):
        return category.product_count

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
        else:
            obj.pk = services.category_create(name=obj.name).pk
            obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.category_delete(category=obj)

    def delete_queryset(self, request, queryset):
        for category in queryset.order_by("pk"):
            services.category_delete(category=category)


class ProductAdminForm(forms.ModelForm):
    upload = forms.FileField(
        label="New image",
        required=False,
        help_text="PNG, JPEG, WebP or GIF, at most 5 MB. Stored re-encoded, without metadata, at most 1024 px a side.",
    )
    remove_image = forms.BooleanField(label="Remove the image", required=False)

    class Meta:
        model = Product
        fields = ["name", "category", "description", "quantity"]
        help_texts = {"quantity": "A change is recorded in the stock ledger as a manual adjustment."}

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if not upload:
            return None
        try:
            return image_from_upload(upload)
        except ImageTooLarge as exc:
            raise forms.ValidationError(exc.message) from None


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductAdminForm
    list_display = ["thumbnail", "name", "category", "quantity", "updated_at"]
    list_display_links = ["thumbnail", "name"]
    list_filter = ["category"]
    # Prefetched rather than joined (see ProductViewSet); an empty tuple stops the admin's own join.
    list_select_related = ()
    search_fields = ["name", "description", "category__name"]
    readonly_fields = ["preview", "created_at", "updated_at"]
    fields = [
        "name",
        "category",
        "description",
        "quantity",
        "preview",
        "upload",
        "remove_image",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("category")

    @admin.display(description="image")
    def thumbnail(self, product):
        if not product.image:
            return "—"
        return format_html('<img src="{}" alt="" style="width:48px;height:48px;object-fit:cover">', product.image.url)

    @admin.display(description="current image")
    def preview(self, product):
        if not product.image:
            return "—"
        return format_html('<img src="{}" alt="" style="max-width:240px;max-height:240px">', product.image.url)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            image = data["upload"] or (None if data["remove_image"] else services.UNCHANGED)
            services.product_update(
                product=obj,
                name=obj.name,
                category=obj.category,
                description=obj.description,
                quantity=data["quantity"],
                image=image,
                user=request.user,
                note="Changed in the admin",
            )
        else:
            product = services.product_create(
                name=obj.name,
                category=obj.category,
                description=obj.description,
                quantity=data["quantity"],
                image=data["upload"],
                user=request.user,
            )
            obj.pk = product.pk
            obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.product_delete(product=obj)

    def delete_queryset(self, request, queryset):
        for product in queryset.order_by("pk"):
            services.product_delete(product=product)
