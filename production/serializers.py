from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.lots.serializers import LotDrawSerializer, OutputLotSerializer
from inventory.measures import quantize_money, quantize_quantity
from inventory.models import FinishedProduct, RawProduct
from inventory.serializers import UnitField
from production.models import ProductionPlan, RecipeComponent, RecipeItem
from stocky.kit.models import QUANTITY
from stocky.kit.serializers import PairKeyedSerializer, related_id

TIMESTAMPS = ["created_at", "updated_at"]


class RecipeItemSerializer(PairKeyedSerializer):
    """One material line of a recipe. The pair is its key; the surrogate id stays internal."""

    pair_fields = ("finished_product_id", "raw_product_id")
    pair_exists_message = "This raw product is already in this finished product's recipe; update that item instead."

    finished_product_id = related_id(FinishedProduct, "finished_product")
    finished_product_name = serializers.CharField(source="finished_product.name", read_only=True)
    raw_product_id = related_id(RawProduct, "raw_product")
    raw_product_name = serializers.CharField(source="raw_product.name", read_only=True)
    unit_of_measure = UnitField()

    class Meta:
        model = RecipeItem
        fields = [
            "finished_product_id",
            "finished_product_name",
            "raw_product_id",
            "raw_product_name",
            "quantity_required",
            "unit_of_measure",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS
        validators = []  # the pair is checked by PairKeyedSerializer, with a clearer message


class RecipeComponentSerializer(PairKeyedSerializer):
    """One component line of a recipe (SPEC E): another finished product, keyed by the pair like a recipe
    item. A cycle is refused by the service (400 naming the path)."""

    pair_fields = ("finished_product_id", "component_id")
    pair_exists_message = "This component is already in this finished product's recipe; update that line instead."

    finished_product_id = related_id(FinishedProduct, "finished_product")
    finished_product_name = serializers.CharField(source="finished_product.name", read_only=True)
    component_id = related_id(FinishedProduct, "component")
    component_name = serializers.CharField(source="component.name", read_only=True)
    unit_of_measure = UnitField()

    class Meta:
        model = RecipeComponent
        fields = [
            "finished_product_id",
            "finished_product_name",
            "component_id",
            "component_name",
            "quantity_required",
            "unit_of_measure",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS
        validators = []  # the pair is checked by PairKeyedSerializer, with a clearer message


class ProductionPlanSerializer(serializers.ModelSerializer):
    """A plan. Its status, produced quantity and run times change only through /start, /complete, /cancel."""

    finished_product_id = related_id(FinishedProduct, "finished_product")
    finished_product_name = serializers.CharField(source="finished_product.name", read_only=True)
    unit_of_measure = UnitField()
    # The batch its completion made (SPEC D); null until completed
    output_lot_id = serializers.PrimaryKeyRelatedField(source="output_lot", read_only=True, allow_null=True)

    class Meta:
        model = ProductionPlan
        fields = [
            "id",
            "finished_product_id",
            "finished_product_name",
            "planned_quantity",
            "unit_of_measure",
            "planned_production_date",
            "planned_duration",
            "actual_duration",
            "hourly_rate",
            "status",
            "produced_quantity",
            "started_at",
            "completed_at",
            "output_lot_id",
            *TIMESTAMPS,
        ]
        read_only_fields = ["status", "produced_quantity", "started_at", "completed_at", *TIMESTAMPS]

    def validate(self, attrs):
        # DRF drops read-only fields; a status or produced quantity other than the plan's is refused rather
        # than ignored (sending back what was read is fine).
        sent = self.initial_data if hasattr(self.initial_data, "get") else {}
        errors = {}
        status = self.instance.status if self.instance is not None else ProductionPlan.Status.PLANNED
        if "status" in sent and sent.get("status") != status:
            errors["status"] = [
                "The status changes only through POST /production-plans/<id>/start, /complete or /cancel"
            ]
        produced = self.instance.produced_quantity if self.instance is not None else None
        if sent.get("produced_quantity") is not None:
            try:
                same = produced is not None and Decimal(str(sent["produced_quantity"])) == produced
            except ArithmeticError:
                same = False
            if not same:
                errors["produced_quantity"] = ["The produced quantity is given to POST /production-plans/<id>/complete"]
        if errors:
            raise serializers.ValidationError(errors)
        return super().validate(attrs)


class PlanCompleteSerializer(serializers.Serializer):
    """The optional body of POST /production-plans/<id>/complete."""

    produced_quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.001"), required=False)
    actual_duration = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=Decimal("0"), required=False)
    # SPEC D: the batch's lot code (generated when left out), and material lots to draw before the rest
    batch_code = serializers.CharField(max_length=64, required=False, allow_blank=True)
    lots = LotDrawSerializer(many=True, required=False, max_length=500)


class PlanCompletedSerializer(ProductionPlanSerializer):
    """The answer of /complete: the plan, and the batch it made (`output_lot`, with `limiting_lot_id`)."""

    output_lot = serializers.SerializerMethodField()

    class Meta(ProductionPlanSerializer.Meta):
        fields = [*ProductionPlanSerializer.Meta.fields, "output_lot"]

    @extend_schema_field(OutputLotSerializer(allow_null=True))
    def get_output_lot(self, plan):
        lot = getattr(plan, "output_lot", None)
        if lot is None:
            return None
        limiting = getattr(plan, "limiting_lot", None)
        context = {**self.context, "limiting_lot_id": limiting.pk if limiting is not None else None}
        return OutputLotSerializer(lot, context=context).data


class WindowSerializer(serializers.Serializer):
    """A window of planned production dates: `from` and `to` (YYYY-MM-DD, both included)."""

    def get_fields(self):
        # `from` is a Python keyword, so these cannot be declared as class attributes.
        return {
            "from": serializers.DateField(input_formats=["%Y-%m-%d"]),
            "to": serializers.DateField(input_formats=["%Y-%m-%d"]),
            **super().get_fields(),
        }

    def validate(self, attrs):
        if attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"from": ["'from' must be on or before 'to'"]})
        return attrs


class RequirementsOrdersSerializer(WindowSerializer):
    expected_delivery_date = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])


# --- Presenting the selectors' exact figures: quantities to 3 places, money to 2 -------------------------
# requirements_data and cost_data build the answers as dicts; the serializers after them describe those dicts
# for the OpenAPI schema (stocky/tests/test_schema_conformance.py checks real answers against them).


def _quantity(value):
    return None if value is None else quantize_quantity(value)


def _money(value):
    return None if value is None else quantize_money(value)


def requirements_data(answer):
    materials = []
    for line in answer["materials"]:
        raw, suggestion = line["raw_product"], line["suggestion"]
        materials.append(
            {
                "raw_product_id": raw.pk,
                "raw_product_name": raw.name,
                "unit_of_measure": line["unit_of_measure"],
                "required": _quantity(line["required"]),
                "on_hand": _quantity(line["on_hand"]),
                "on_order": _quantity(line["on_order"]),
                "shortfall": _quantity(line["shortfall"]),
                "suggestion": None
                if suggestion is None
                else {
                    "supplier_id": suggestion["supplier"].pk,
                    "supplier_name": suggestion["supplier"].name,
                    "unit_price": _money(suggestion["unit_price"]),
                    "quantity": _quantity(suggestion["quantity"]),
                    "cost": _money(suggestion["cost"]),
                    "price_list_unit_price": _money(suggestion["price_list_unit_price"]),
                    "price_list_unit_of_measure": suggestion["price_list_unit_of_measure"],
                },
                "reason": line["reason"],
            }
        )
    suppliers = [
        {
            "supplier_id": group["supplier"].pk,
            "supplier_name": group["supplier"].name,
            "materials": [
                {
                    "raw_product_id": line["raw_product"].pk,
                    "raw_product_name": line["raw_product"].name,
                    "quantity": _quantity(line["suggestion"]["quantity"]),
                    "unit_of_measure": line["unit_of_measure"],
                    "cost": _money(line["suggestion"]["cost"]),
                }
                for line in group["materials"]
            ],
            "total": _money(group["total"]),
        }
        for group in answer["suppliers"]
    ]
    return {
        "from": answer["from"].isoformat(),
        "to": answer["to"].isoformat(),
        "materials": materials,
        "suppliers": suppliers,
        "total_cost": _money(sum((group["total"] for group in answer["suppliers"]), Decimal(0))),
        "components": [component_requirement_data(line) for line in answer.get("components", [])],
    }


def component_requirement_data(line):
    product, proposal = line["finished_product"], line["proposal"]
    return {
        "finished_product_id": product.pk,
        "finished_product_name": product.name,
        "unit_of_measure": line["unit_of_measure"],
        "required": _quantity(line["required"]),
        "on_hand": _quantity(line["on_hand"]),
        "planned": _quantity(line["planned"]),
        "shortfall": _quantity(line["shortfall"]),
        "used_by": line["used_by"],
        "proposed_plan": None
        if proposal is None
        else {
            "planned_quantity": _quantity(proposal["quantity"]),
            "unit_of_measure": line["unit_of_measure"],
            "planned_production_date": proposal["planned_production_date"].isoformat(),
            "needed_by": proposal["needed_by"].isoformat(),
        },
    }


def cost_data(answer):
    product = answer["finished_product"]
    data = {
        "finished_product_id": product.pk,
        "finished_product_name": product.name,
        "unit_of_measure": answer["unit_of_measure"],
        "materials": [
            {
                "raw_product_id": line["raw_product"].pk,
                "raw_product_name": line["raw_product"].name,
                "quantity": _quantity(line["quantity"]),
                "unit_of_measure": line["unit_of_measure"],
                "unit_price": _money(line["unit_price"]),
                "supplier_id": line["supplier"].pk if line["supplier"] else None,
                "supplier_name": line["supplier"].name if line["supplier"] else None,
                "cost": _money(line["cost"]),
            }
            for line in answer["materials"]
        ],
        "material_cost": _money(answer["material_cost"]),
        "components": [
            {
                "component_id": line["component"].pk,
                "component_name": line["component"].name,
                "quantity": _quantity(line["quantity"]),
                "unit_of_measure": line["unit_of_measure"],
                "unit_cost": _money(line["unit_cost"]),
                "labour_cost": _money(line["labour_cost"]),
                "cost": _money(line["cost"]),
            }
            for line in answer.get("components", [])
        ],
        "component_cost": _money(answer.get("component_cost", Decimal(0))),
        "labour_cost": _money(answer["labour_cost"]),
        "labour_basis": answer["labour_basis"],
        "unit_cost": _money(answer["unit_cost"]),
        "average_sale_price": _money(answer.get("average_sale_price")),
        "margin": _money(answer.get("margin")),
        "margin_rate": None if answer.get("margin_rate") is None else answer["margin_rate"].quantize(Decimal("0.0001")),
        "missing_prices": [
            {
                "raw_product_id": entry["raw_product"].pk,
                "raw_product_name": entry["raw_product"].name,
                "reason": entry["reason"],
                "path": " → ".join(entry["path"]),
            }
            for entry in answer["missing_prices"]
        ],
    }
    return data


# --- The shapes of requirements_data and cost_data, for the schema ---------------------------------------


def _quantity_field(**kwargs):
    return serializers.DecimalField(max_digits=None, decimal_places=3, **kwargs)


def _money_field(**kwargs):
    return serializers.DecimalField(max_digits=None, decimal_places=2, **kwargs)


class SuggestionSerializer(serializers.Serializer):
    supplier_id = serializers.IntegerField()
    supplier_name = serializers.CharField()
    unit_price = _money_field(help_text="Per stock unit of the material.")
    quantity = _quantity_field(help_text="The shortfall, in the material's stock unit.")
    cost = _money_field()
    price_list_unit_price = _money_field(help_text="The price-list row as listed.")
    price_list_unit_of_measure = serializers.CharField()


class RequirementLineSerializer(serializers.Serializer):
    raw_product_id = serializers.IntegerField()
    raw_product_name = serializers.CharField()
    unit_of_measure = serializers.CharField(help_text="The material's stock unit.")
    required = _quantity_field()
    on_hand = _quantity_field()
    on_order = _quantity_field()
    shortfall = _quantity_field()
    suggestion = SuggestionSerializer(allow_null=True, help_text="null when nothing is short or nothing can be bought.")
    reason = serializers.CharField(allow_null=True, help_text="Why there is no suggestion; null when there is one.")


class SupplierMaterialSerializer(serializers.Serializer):
    raw_product_id = serializers.IntegerField()
    raw_product_name = serializers.CharField()
    quantity = _quantity_field()
    unit_of_measure = serializers.CharField()
    cost = _money_field()


class SupplierRequirementsSerializer(serializers.Serializer):
    supplier_id = serializers.IntegerField()
    supplier_name = serializers.CharField()
    materials = SupplierMaterialSerializer(many=True)
    total = _money_field()


class ProposedPlanSerializer(serializers.Serializer):
    planned_quantity = _quantity_field(help_text="The shortfall, in the component's stock unit.")
    unit_of_measure = serializers.CharField()
    planned_production_date = serializers.DateTimeField(
        help_text="The day before the first run it must serve, but not before the window starts."
    )
    needed_by = serializers.DateTimeField(help_text="The first planned run that the component's stock does not cover.")


class ComponentRequirementSerializer(serializers.Serializer):
    finished_product_id = serializers.IntegerField(help_text="The component: a finished product made in house.")
    finished_product_name = serializers.CharField()
    unit_of_measure = serializers.CharField(help_text="The component's stock unit.")
    required = _quantity_field(help_text="What the window's runs (and the proposed plans above it) need.")
    on_hand = _quantity_field()
    planned = _quantity_field(help_text="What the window's open plans of the component make.")
    shortfall = _quantity_field(help_text="Not covered by the stock and the plans made before it is needed.")
    used_by = serializers.ListField(child=serializers.CharField(), help_text="The products that need it.")
    proposed_plan = ProposedPlanSerializer(allow_null=True, help_text="null when nothing is short.")


class RequirementsSerializer(WindowSerializer):
    """GET /production/requirements (requirements_data)."""

    materials = RequirementLineSerializer(many=True)
    suppliers = SupplierRequirementsSerializer(many=True)
    total_cost = _money_field()
    components = ComponentRequirementSerializer(
        many=True,
        help_text="The components (finished products made in house) the window's runs need, through every "
        "level, and a proposed production plan for each shortfall. The materials of those proposed plans are "
        "counted in `materials`.",
    )


class CostMaterialSerializer(serializers.Serializer):
    raw_product_id = serializers.IntegerField()
    raw_product_name = serializers.CharField()
    quantity = _quantity_field(allow_null=True, help_text="null when the recipe's unit does not convert.")
    unit_of_measure = serializers.CharField()
    unit_price = _money_field(allow_null=True)
    supplier_id = serializers.IntegerField(allow_null=True)
    supplier_name = serializers.CharField(allow_null=True)
    cost = _money_field(allow_null=True)


class LabourBasisSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=["completed_plans", "latest_plan"])
    plan_ids = serializers.ListField(child=serializers.IntegerField())


class MissingPriceSerializer(serializers.Serializer):
    raw_product_id = serializers.IntegerField()
    raw_product_name = serializers.CharField()
    reason = serializers.CharField()
    path = serializers.CharField(
        help_text="The products from this one down to the recipe that uses the material, e.g. "
        "'Croissant → Pâte à croissant'; just this product's name for its own materials."
    )


class CostComponentSerializer(serializers.Serializer):
    component_id = serializers.IntegerField()
    component_name = serializers.CharField()
    quantity = _quantity_field(
        allow_null=True, help_text="In the component's stock unit; null when the unit does not convert."
    )
    unit_of_measure = serializers.CharField()
    unit_cost = _money_field(allow_null=True, help_text="The component's own unit cost: materials, components, labour.")
    labour_cost = _money_field(allow_null=True, help_text="The labour part of that unit cost; null without any plan.")
    cost = _money_field(allow_null=True)


class CostSerializer(serializers.Serializer):
    """GET /finished-products/<id>/cost (cost_data)."""

    finished_product_id = serializers.IntegerField()
    finished_product_name = serializers.CharField()
    unit_of_measure = serializers.CharField()
    materials = CostMaterialSerializer(many=True)
    material_cost = _money_field(help_text="This product's own materials.")
    components = CostComponentSerializer(many=True)
    component_cost = _money_field(help_text="Its components, each at its own unit cost, through every level.")
    labour_cost = _money_field(allow_null=True)
    labour_basis = LabourBasisSerializer(allow_null=True)
    unit_cost = _money_field()
    average_sale_price = _money_field(allow_null=True)
    margin = _money_field(allow_null=True)
    margin_rate = serializers.DecimalField(max_digits=None, decimal_places=4, allow_null=True)
    missing_prices = MissingPriceSerializer(many=True)


# --- What a label must declare (SPEC E; production.declaration builds the data, these describe it) --------


class IngredientSerializer(serializers.Serializer):
    name = serializers.CharField()
    percent = serializers.FloatField(
        allow_null=True, help_text="Grams used per 100 g of finished product (after yield); null: mass unknown"
    )
    allergens = serializers.ListField(child=serializers.CharField())


class NutritionPer100gSerializer(serializers.Serializer):
    energy_kj = serializers.FloatField(allow_null=True)
    energy_kcal = serializers.FloatField(allow_null=True)
    fat = serializers.FloatField(allow_null=True)
    saturates = serializers.FloatField(allow_null=True)
    carbohydrate = serializers.FloatField(allow_null=True)
    sugars = serializers.FloatField(allow_null=True)
    protein = serializers.FloatField(allow_null=True)
    salt = serializers.FloatField(allow_null=True)


class MissingDataSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["raw_product", "finished_product"])
    id = serializers.IntegerField()
    name = serializers.CharField()
    reason = serializers.CharField()


class DeclarationChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    change = serializers.CharField()
    raw_product_id = serializers.IntegerField(allow_null=True)
    at = serializers.DateTimeField(source="created_at")


class OpenLotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    made_at = serializers.DateTimeField(source="created_at")
    use_by = serializers.DateField(allow_null=True)
    best_before = serializers.DateField(allow_null=True)


class DeclarationSerializer(serializers.Serializer):
    finished_product_id = serializers.IntegerField()
    name = serializers.CharField()
    yield_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    allergens = serializers.ListField(child=serializers.CharField())
    may_contain = serializers.ListField(child=serializers.CharField())
    ingredients = IngredientSerializer(many=True)
    ingredient_list = serializers.CharField(help_text="Allergens between ** markers (bold on a label)")
    nutrition_per_100g = NutritionPer100gSerializer()
    missing = MissingDataSerializer(many=True)
    changed_at = serializers.DateTimeField(allow_null=True, help_text="The latest change not yet acknowledged")
    changes = DeclarationChangeSerializer(many=True, help_text="Changes not yet acknowledged, oldest first")
    lots_under_old_declaration = OpenLotSerializer(
        many=True, help_text="Lots with stock made before the latest change: their labels are out of date"
    )


class LabelMissingSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["raw_product", "finished_product"])
    name = serializers.CharField()
    reason = serializers.CharField()


class LabelProductSerializer(serializers.Serializer):
    name = serializers.CharField()
    unit_of_measure = serializers.CharField()
    net_weight_g = serializers.FloatField(allow_null=True)
    yield_percent = serializers.FloatField()


class LabelSerializer(serializers.Serializer):
    lot_id = serializers.IntegerField()
    code = serializers.CharField()
    use_by = serializers.DateField(allow_null=True)
    best_before = serializers.DateField(allow_null=True)
    product = LabelProductSerializer()
    allergens = serializers.ListField(child=serializers.CharField())
    may_contain = serializers.ListField(child=serializers.CharField())
    ingredients = IngredientSerializer(many=True)
    ingredient_list = serializers.CharField()
    nutrition_per_100g = NutritionPer100gSerializer()
    missing = LabelMissingSerializer(many=True, help_text="What was missing when the lot was made")


class LabelQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["json", "pdf"], required=False, default="json")
