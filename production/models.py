from django.conf import settings
from django.db import models
from django.db.models import Q

from inventory.models import FinishedProduct, Lot, RawProduct, UnitOfMeasureField
from stocky.kit.errors import plain
from stocky.kit.models import MONEY, NON_NEGATIVE, QUANTITY, TimeStampedModel
from stocky.kit.validators import POSITIVE


class RecipeItem(TimeStampedModel):
    """One material line of a finished product's recipe: part of the finished product.

    `quantity_required` (in `unit_of_measure`, which must convert to the material's stock unit) is what
    one stock unit of the finished product needs.
    """

    UNIT_PRODUCT = "raw_product"

    finished_product = models.ForeignKey(FinishedProduct, on_delete=models.CASCADE, related_name="recipe_items")
    # A material still used by a recipe cannot be deleted (SPEC "Deletes").
    raw_product = models.ForeignKey(RawProduct, on_delete=models.PROTECT, related_name="recipe_items")
    quantity_required = models.DecimalField(
        **QUANTITY, validators=POSITIVE, help_text="For one stock unit of the finished product."
    )
    unit_of_measure = UnitOfMeasureField()

    class Meta:
        ordering = ["finished_product_id", "raw_product_id"]
        constraints = [
            models.UniqueConstraint(fields=["finished_product", "raw_product"], name="recipe_item_unique"),
            models.CheckConstraint(condition=Q(quantity_required__gt=0), name="recipe_item_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity_required} {self.unit_of_measure} {self.raw_product} for {self.finished_product}"


class RecipeComponent(TimeStampedModel):
    """One component line of a finished product's recipe: another finished product made in house (the dough
    of a croissant, the praline of a tart), drawn from its stock and lots like a material (SPEC E).

    `quantity_required` (in `unit_of_measure`, which must convert to the component's stock unit) is what
    one stock unit of the finished product needs. A product may not contain itself at any depth; the services
    refuse a cycle (the self-reference is also a database constraint).
    """

    UNIT_PRODUCT = "component"

    finished_product = models.ForeignKey(FinishedProduct, on_delete=models.CASCADE, related_name="recipe_components")
    # A component still used by a recipe cannot be deleted, like a material.
    component = models.ForeignKey(FinishedProduct, on_delete=models.PROTECT, related_name="used_as_component")
    quantity_required = models.DecimalField(
        **QUANTITY, validators=POSITIVE, help_text="For one stock unit of the finished product."
    )
    unit_of_measure = UnitOfMeasureField()

    class Meta:
        ordering = ["finished_product_id", "component_id"]
        constraints = [
            models.UniqueConstraint(fields=["finished_product", "component"], name="recipe_component_unique"),
            models.CheckConstraint(condition=Q(quantity_required__gt=0), name="recipe_component_quantity_positive"),
            models.CheckConstraint(
                condition=~Q(finished_product=models.F("component")), name="recipe_component_not_itself"
            ),
        ]

    def __str__(self):
        return f"{self.quantity_required} {self.unit_of_measure} {self.component} for {self.finished_product}"


class PlanStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class ProductionPlan(TimeStampedModel):
    """A production run: planned, started, then completed (which consumes the recipe's materials and adds
    the produced quantity to stock, production.services) or cancelled."""

    Status = PlanStatus
    UNIT_PRODUCT = "finished_product"

    finished_product = models.ForeignKey(FinishedProduct, on_delete=models.PROTECT, related_name="production_plans")
    planned_quantity = models.DecimalField(**QUANTITY, validators=POSITIVE)
    unit_of_measure = UnitOfMeasureField(help_text="The unit of the planned and produced quantities.")
    planned_production_date = models.DateTimeField(db_index=True)
    planned_duration = models.DecimalField(max_digits=8, decimal_places=2, validators=NON_NEGATIVE, help_text="hours")
    actual_duration = models.DecimalField(
        max_digits=8, decimal_places=2, validators=NON_NEGATIVE, null=True, blank=True, help_text="hours"
    )
    hourly_rate = models.DecimalField(**MONEY, validators=NON_NEGATIVE)
    status = models.CharField(max_length=20, choices=PlanStatus.choices, default=PlanStatus.PLANNED, db_index=True)
    produced_quantity = models.DecimalField(
        **QUANTITY, validators=POSITIVE, null=True, blank=True, help_text="Set on completion."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The batch its completion made (SPEC D).
    output_lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    FINAL = frozenset({PlanStatus.COMPLETED, PlanStatus.CANCELLED})

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PlanStatus.values), name="production_plan_status_valid"),
            models.CheckConstraint(
                condition=Q(produced_quantity__isnull=True) | Q(produced_quantity__gt=0),
                name="production_plan_produced_positive",
            ),
            models.CheckConstraint(condition=Q(planned_quantity__gt=0), name="production_plan_quantity_positive"),
            models.CheckConstraint(condition=Q(planned_duration__gte=0), name="production_plan_duration_non_negative"),
            models.CheckConstraint(
                condition=Q(actual_duration__isnull=True) | Q(actual_duration__gte=0),
                name="production_plan_actual_duration_non_negative",
            ),
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="production_plan_rate_non_negative"),
        ]

    def __str__(self):
        return f"Plan {self.pk}: {plain(self.planned_quantity)} {self.unit_of_measure} {self.finished_product}"


class DeclarationChange(models.Model):
    """A change of a finished product's declaration caused by an edit of one of its materials (SPEC E,
    docs/recipes.md "Changes"): what changed, when, through which material; open until acknowledged."""

    finished_product = models.ForeignKey(FinishedProduct, on_delete=models.CASCADE, related_name="declaration_changes")
    # The material whose edit caused it; kept as a name too, so that the record outlives the material.
    raw_product = models.ForeignKey(RawProduct, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    change = models.CharField(max_length=500, help_text='e.g. "soybeans added to allergens via Butter"')
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["finished_product_id", "id"]
        indexes = [models.Index(fields=["finished_product", "acknowledged_at"], name="declaration_change_open")]

    def __str__(self):
        return f"{self.finished_product}: {self.change}"


class LotDeclaration(models.Model):
    """What a finished lot's label declares, as it was the day the lot was made (SPEC E): later recipe or
    material edits do not change it. Written by production.declaration.lot_declaration_record."""

    lot = models.OneToOneField(Lot, primary_key=True, on_delete=models.CASCADE, related_name="declaration")
    # The declaration's JSON (production.declaration.finished_product_declaration), plus the product's
    # name, unit and net weight of that day.
    declaration = models.JSONField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Declaration of lot {self.lot_id}"
