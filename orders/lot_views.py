"""GET /lots/<id>/trace (JSON, CSV, PDF) and POST /lots/<id>/recall (SPEC section D): the lot views that name
the clients a lot reached, so they live above inventory's lots API (inventory.lots.views)."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.views import APIView

from accounts.models import Role
from inventory.lots.serializers import LotReasonSerializer
from inventory.lots.services import lot_recall
from inventory.models import Lot
from orders.lot_serializers import TraceQuerySerializer, TraceSerializer
from orders.trace import lot_trace, trace_csv, trace_pdf
from stocky.kit.models import MAX_ID
from stocky.kit.viewsets import envelope


def _lot(pk):
    """The lot of a path's id; a 404 for an id no key can hold, as for any other record."""
    return get_object_or_404(Lot, pk=int(pk) if int(pk) <= MAX_ID else 0)


class FormatIsOurs(DefaultContentNegotiation):
    """`?format=csv|pdf` chooses the trace's file, not a DRF renderer: errors stay JSON in the envelope."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class LotTraceView(APIView):
    success_envelope = True
    content_negotiation_class = FormatIsOurs

    @extend_schema(
        summary="A lot's trace: batches, clients, stock on hand, what it was made of, and its mass balance",
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["json", "csv", "pdf"],
                description="csv or pdf: the trace as a file (text/csv, application/pdf)",
            )
        ],
        responses=TraceSerializer,
    )
    def get(self, request, pk):
        query = TraceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        lot = _lot(pk)
        trace = lot_trace(lot)
        kind = query.validated_data["format"]
        if kind == "csv":
            response = HttpResponse(trace_csv(trace), content_type="text/csv; charset=utf-8")
        elif kind == "pdf":
            response = HttpResponse(trace_pdf(trace), content_type="application/pdf")
        else:
            return envelope(TraceSerializer(trace).data, "Lot trace fetched successfully")
        response["Content-Disposition"] = f'attachment; filename="trace-lot-{lot.pk}.{kind}"'
        return response


class LotRecallView(APIView):
    """Recall: the lot and everything made from it go on hold in one transaction; answers the trace."""

    success_envelope = True
    role_overrides = {"POST": frozenset({Role.ADMIN, Role.MANAGER})}

    @extend_schema(request=LotReasonSerializer, responses=TraceSerializer, summary="Recall a lot")
    def post(self, request, pk):
        body = LotReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lot = _lot(pk)
        lot_recall(lot=lot, user=request.user, **body.validated_data)
        return envelope(TraceSerializer(lot_trace(lot)).data, "Lot recalled successfully")
