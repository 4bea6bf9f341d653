from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.views import APIView

from inventory.models import FinishedProduct, Lot
from orders.serializers import RawProductOrderSerializer
from production import declaration, selectors, services
from production.filters import ProductionPlanFilter, RecipeComponentFilter, RecipeItemFilter
from production.labels import label_pdf
from production.models import ProductionPlan, RecipeComponent, RecipeItem
from production.serializers import (
    CostSerializer,
    DeclarationSerializer,
    LabelQuerySerializer,
    LabelSerializer,
    PlanCompletedSerializer,
    PlanCompleteSerializer,
    ProductionPlanSerializer,
    RecipeComponentSerializer,
    RecipeItemSerializer,
    RequirementsOrdersSerializer,
    RequirementsSerializer,
    WindowSerializer,
    cost_data,
    requirements_data,
)
from stocky.kit.models import MAX_ID
from stocky.kit.viewsets import ManufacturingViewSet, PairViewSet, envelope, with_names

TIMESTAMPS = ["created_at", "updated_at"]


def recipe_item_rows():
    return with_names(RecipeItem, "finished_product", "raw_product")


class RecipeItemViewSet(PairViewSet):
    entity, entity_plural = "Recipe item", "Recipe items"
    pair = ("finished_product_id", "raw_product_id")
    queryset = recipe_item_rows()
    serializer_class = RecipeItemSerializer
    filterset_class = RecipeItemFilter
    search_fields = ["finished_product__name", "raw_product__name", "unit_of_measure"]
    ordering_fields = [
        "finished_product_id",
        "raw_product_id",
        "quantity_required",
        "unit_of_measure",
        *TIMESTAMPS,
    ]

    def perform_create(self, serializer):
        serializer.instance = services.recipe_item_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.recipe_item_update(
            item=serializer.instance, user=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.recipe_item_delete(item=instance, user=self.request.user)

    @extend_schema(responses=RecipeItemSerializer(many=True))
    def for_product(self, request, finished_product_id):
        """One finished product's recipe: GET /recipe-items/product/<id> and /finished-products/<id>/recipe."""
        product = get_object_or_404(FinishedProduct, pk=finished_product_id)
        rows = recipe_item_rows().filter(finished_product=product)
        return self.list_response(rows, message="Recipe fetched successfully")


def recipe_component_rows():
    return with_names(RecipeComponent, "finished_product", "component")


class RecipeComponentViewSet(PairViewSet):
    """Component lines (SPEC E), addressed like recipe items: /recipe-components/<finishedProductId>/<componentId>."""

    entity, entity_plural = "Recipe component", "Recipe components"
    pair = ("finished_product_id", "component_id")
    queryset = recipe_component_rows()
    serializer_class = RecipeComponentSerializer
    filterset_class = RecipeComponentFilter
    search_fields = ["finished_product__name", "component__name", "unit_of_measure"]
    ordering_fields = [
        "finished_product_id",
        "component_id",
        "quantity_required",
        "unit_of_measure",
        *TIMESTAMPS,
    ]

    def perform_create(self, serializer):
        serializer.instance = services.recipe_component_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.recipe_component_update(
            item=serializer.instance, user=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.recipe_component_delete(item=instance, user=self.request.user)

    @extend_schema(responses=RecipeComponentSerializer(many=True))
    def for_product(self, request, finished_product_id):
        """One finished product's components: GET /recipe-components/product/<id> and
        /finished-products/<id>/components."""
        product = get_object_or_404(FinishedProduct, pk=finished_product_id)
        rows = recipe_component_rows().filter(finished_product=product)
        return self.list_response(rows, message="Recipe components fetched successfully")


class ProductionPlanViewSet(ManufacturingViewSet):
    """Plans, and their runs: POST /production-plans/<id>/start, /complete, /cancel (production.services)."""

    entity, entity_plural = "Production plan", "Production plans"
    queryset = with_names(ProductionPlan, "finished_product")
    serializer_class = ProductionPlanSerializer
    filterset_class = ProductionPlanFilter
    search_fields = ["finished_product__name", "unit_of_measure"]
    ordering_fields = [
        "id",
        "finished_product_id",
        "planned_quantity",
        "unit_of_measure",
        "planned_production_date",
        "planned_duration",
        "actual_duration",
        "hourly_rate",
        "status",
        "completed_at",
        *TIMESTAMPS,
    ]

    def perform_create(self, serializer):
        serializer.instance = services.production_plan_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.production_plan_update(
            plan=serializer.instance, user=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.production_plan_delete(plan=instance)

    def _run(self, verb, service, **kwargs):
        plan = self.get_object()
        service(plan=plan, user=self.request.user, **kwargs)
        return envelope(self.get_serializer(plan).data, f"Production plan {verb} successfully")

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._run("started", services.production_plan_start)

    @extend_schema(request=PlanCompleteSerializer, responses=PlanCompletedSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        if not hasattr(request.data, "get"):
            raise ValidationError({"non_field_errors": ['Send an object, e.g. {"produced_quantity": 95}, or nothing']})
        body = PlanCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = self.get_object()
        services.production_plan_complete(plan=plan, user=request.user, **body.validated_data)
        data = PlanCompletedSerializer(plan, context=self.get_serializer_context()).data
        return envelope(data, "Production plan completed successfully")

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._run("cancelled", services.production_plan_cancel)


def _window(data):
    window = WindowSerializer(data=data)
    window.is_valid(raise_exception=True)
    return window.validated_data["from"], window.validated_data["to"]


class RequirementsView(APIView):
    """GET /production/requirements?from=YYYY-MM-DD&to=YYYY-MM-DD: what the window's plans need and what
    to buy from whom."""

    success_envelope = True

    @extend_schema(parameters=[WindowSerializer], responses=RequirementsSerializer)
    def get(self, request):
        date_from, date_to = _window(request.query_params)
        answer = selectors.material_requirements(date_from=date_from, date_to=date_to)
        return envelope(requirements_data(answer), "Material requirements fetched successfully")


class RequirementsOrdersView(APIView):
    """POST /production/requirements/orders {"from", "to", "expected_delivery_date"?}: create the suggested
    purchase orders. The window may also come in the query string."""

    success_envelope = True

    @extend_schema(
        request=RequirementsOrdersSerializer,
        responses={
            201: OpenApiResponse(RawProductOrderSerializer(many=True), description="The purchase orders created."),
            200: OpenApiResponse(RawProductOrderSerializer(many=True), description="Nothing to order: `data` is `[]`."),
        },
    )
    def post(self, request):
        if not hasattr(request.data, "get"):
            raise ValidationError({"non_field_errors": ['Send an object: {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}']})
        body = RequirementsOrdersSerializer(data={**request.query_params.dict(), **dict(request.data.items())})
        body.is_valid(raise_exception=True)
        window = body.validated_data
        orders, answer = services.requirements_orders_create(
            date_from=window["from"],
            date_to=window["to"],
            expected_delivery_date=window.get("expected_delivery_date"),
            user=request.user,
        )
        lines = answer["materials"]
        unsold = [line["raw_product"].name for line in lines if line["shortfall"] and not line["suggestion"]]
        note = f"; not ordered, no usable supplier price: {', '.join(unsold)}" if unsold else ""
        if not orders:
            message = f"Nothing to order from {window['from']} to {window['to']}"
            message += note or ": nothing is short"
            return envelope([], message)
        data = RawProductOrderSerializer(orders, many=True).data
        return envelope(data, f"{len(orders)} purchase order(s) created{note}", status_code=status.HTTP_201_CREATED)


class RequirementsPlansView(APIView):
    """POST /production/requirements/plans {"from", "to"}: create the production plans proposed for short
    components (the `components` of GET /production/requirements). The window may also come in the query
    string."""

    success_envelope = True

    @extend_schema(
        request=WindowSerializer,
        responses={
            201: OpenApiResponse(ProductionPlanSerializer(many=True), description="The production plans created."),
            200: OpenApiResponse(
                ProductionPlanSerializer(many=True), description="No component short: `data` is `[]`."
            ),
        },
    )
    def post(self, request):
        if not hasattr(request.data, "get"):
            raise ValidationError({"non_field_errors": ['Send an object: {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}']})
        body = WindowSerializer(data={**request.query_params.dict(), **dict(request.data.items())})
        body.is_valid(raise_exception=True)
        window = body.validated_data
        plans, _answer = services.requirements_plans_create(
            date_from=window["from"], date_to=window["to"], user=request.user
        )
        if not plans:
            return envelope([], f"No component to plan from {window['from']} to {window['to']}: nothing is short")
        data = ProductionPlanSerializer(
            with_names(ProductionPlan, "finished_product").filter(pk__in=[plan.pk for plan in plans]), many=True
        ).data
        return envelope(data, f"{len(plans)} production plan(s) created", status_code=status.HTTP_201_CREATED)


class FinishedProductCostView(APIView):
    """GET /finished-products/<id>/cost: materials, labour, unit cost, sale price and margin."""

    success_envelope = True

    @extend_schema(responses=CostSerializer)
    def get(self, request, finished_product_id):
        product = get_object_or_404(selectors.cost_queryset(FinishedProduct.objects.all()), pk=finished_product_id)
        answer = selectors.finished_product_cost(product)
        return envelope(cost_data(answer), "Finished product cost fetched successfully")


def _declaration_answer(product):
    answer = declaration.finished_product_declaration(product)
    changes = declaration.open_changes(product)
    latest = changes[-1].created_at if changes else None
    answer.update(
        finished_product_id=product.pk,
        name=product.name,
        yield_percent=product.yield_percent,
        changed_at=latest,
        changes=changes,
        lots_under_old_declaration=declaration.lots_made_before(product, latest) if latest else [],
    )
    return DeclarationSerializer(answer).data


class FinishedProductDeclarationView(APIView):
    """GET /finished-products/<id>/declaration: what its label must declare (SPEC E), and the changes of its
    materials that changed it since it was last acknowledged, with the lots made before them."""

    success_envelope = True

    @extend_schema(responses=DeclarationSerializer, summary="What a finished product's label must declare")
    def get(self, request, finished_product_id):
        product = get_object_or_404(FinishedProduct, pk=finished_product_id)
        return envelope(_declaration_answer(product), "Declaration fetched successfully")


class FinishedProductDeclarationAcknowledgeView(APIView):
    """POST /finished-products/<id>/declaration/acknowledge: the changes are seen (new labels printed)."""

    success_envelope = True

    @extend_schema(request=None, responses=DeclarationSerializer, summary="Acknowledge a declaration's changes")
    def post(self, request, finished_product_id):
        product = get_object_or_404(FinishedProduct, pk=finished_product_id)
        declaration.declaration_changes_acknowledge(product=product, user=request.user)
        return envelope(_declaration_answer(product), "Declaration changes acknowledged")


class FormatIsOurs(DefaultContentNegotiation):
    """`?format=pdf` chooses the label's file, not a DRF renderer: errors stay JSON in the envelope."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class LotLabelView(APIView):
    """GET /lots/<id>/label[?format=pdf]: the declaration kept with a finished lot the day it was made."""

    success_envelope = True
    content_negotiation_class = FormatIsOurs

    @extend_schema(
        summary="A finished lot's label: the declaration of the day it was made",
        parameters=[
            OpenApiParameter(
                "format", OpenApiTypes.STR, enum=["json", "pdf"], description="pdf: the label (application/pdf)"
            )
        ],
        responses=LabelSerializer,
    )
    def get(self, request, pk):
        query = LabelQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        lot = get_object_or_404(Lot, pk=int(pk) if int(pk) <= MAX_ID else 0)
        kept = declaration.lot_label(lot)
        data = LabelSerializer(
            {**kept, "lot_id": lot.pk, "code": lot.code, "use_by": lot.use_by, "best_before": lot.best_before}
        ).data
        if query.validated_data["format"] == "pdf":
            response = HttpResponse(label_pdf(data), content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="label-lot-{lot.pk}.pdf"'
            return response
        return envelope(data, "Lot label fetched successfully")
