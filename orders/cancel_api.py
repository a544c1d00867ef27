"""`POST /api/v1/orders/{id}/cancel`: a channel withdraws its order (thin view)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from backoffice.api.problems import problem_response
from backoffice.api.schema import AUTH, problems
from backoffice.xentral.errors import XentralError
from orders import selectors
from orders.cancellation import CancelOutcome, order_cancel
from orders.serializers import OrderSerializer, order_representation


class OrderCancelView(APIView):
    required_scopes = {"POST": "orders:write"}

    @extend_schema(
        operation_id="orders_cancel",
        request=None,
        responses={
            200: OpenApiResponse(OrderSerializer, description="Cancelled (or already was)"),
            **problems(
                404,
                409,
                503,
                *AUTH,
                d409="Shipped, being sent to Xentral, or not cancellable (`order` holds it)",
            ),
        },
        summary="Cancel an order the channel sent",
    )
    def post(self, request, id):
        order = selectors.order_for_channel(channel=request.user.channel, order_id=id)
        if order is None:
            return problem_response(
                status_code=404,
                title="Order not found",
                errors=[{"field": "id", "code": "not_found", "message": f"No order {id}"}],
            )
        try:
            result = order_cancel(order=order)
        except XentralError as error:
            return problem_response(
                status_code=503,
                title="Xentral could not be reached; try again later",
                detail=error.problem_text,
                errors=[{"field": "id", "code": "xentral_unavailable", "message": str(error)}],
            )
        body = order_representation(result.order, request=request)
        if result.outcome in (CancelOutcome.CANCELLED, CancelOutcome.ALREADY_CANCELLED):
            return Response(body)
        if result.outcome == CancelOutcome.SHIPPED:
            shipment = result.shipment
            message = (
                f"Shipment {shipment.tracking_number} ({shipment.carrier}) left the warehouse"
                f"{' at ' + shipment.shipped_at.isoformat() if shipment.shipped_at else ''}"
            )
            return problem_response(
                status_code=409,
                title="The order has shipped and cannot be cancelled",
                detail=message,
                errors=[{"field": "id", "code": "shipped", "message": message}],
                order=body,
            )
        code = {CancelOutcome.IN_FLIGHT: "in_flight", CancelOutcome.XENTRAL_REFUSED: "refused"}
        return problem_response(
            status_code=409,
            title="The order cannot be cancelled now",
            detail=result.detail,
            errors=[{"field": "id", "code": code.get(result.outcome, "not_cancellable"),
                     "message": result.detail}],
            order=body,
        )  # fmt: skip
