"""The order API: `POST/GET /api/v1/orders`, `GET /api/v1/orders/{id}` (thin views)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from backoffice.api.problems import problem_response
from backoffice.api.schema import AUTH, problems
from orders import selectors
from orders.models import FulfilmentStatus, OrderStatus
from orders.serializers import (
    OrderPayloadSerializer,
    OrderSerializer,
    order_representation,
    public_errors,
    validated_payload,
)
from orders.services import RESUBMITTABLE, Outcome, ResubmitVia, order_submit


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Documents the channel API key as HTTP bearer auth in the schema."""

    target_class = "backoffice.api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A channel's API key"}


ORDER_SCOPES = {"POST": "orders:write", "GET": "orders:read"}


class OrderListSerializer(serializers.Serializer):
    data = OrderSerializer(many=True, help_text="Newest first, at most 200")


class OrderListView(APIView):
    required_scopes = ORDER_SCOPES

    @extend_schema(
        operation_id="orders_create",
        request=OrderPayloadSerializer,
        responses={
            201: OrderSerializer,
            200: OpenApiResponse(OrderSerializer, description="Replay of the same payload"),
            202: OpenApiResponse(OrderSerializer, description="Accepted, not created yet"),
            **problems(
                400,
                409,
                413,
                415,
                422,
                *AUTH,
                d409="The reference exists with another payload (`existing_order` holds it)",
                d422="The order cannot be created (unknown SKU, customer not found, ...); "
                "`order` holds it",
            ),
        },
        summary="Submit an order for Xentral",
    )
    def post(self, request):
        channel = request.user.channel
        payload = validated_payload(
            request.data, allow_customer_creation=channel.allow_customer_creation
        )
        result = order_submit(channel=channel, payload=payload)
        order = result.order
        body = order_representation(order, request=request)
        location = {"Location": body["links"]["self"]}
        if result.outcome == Outcome.CONFLICT:
            resubmittable = " or ".join(RESUBMITTABLE[ResubmitVia.CHANNEL])
            return problem_response(
                status_code=409,
                title="Reference exists with another payload",
                detail=f"Order {order.reference} exists with a different payload "
                f"(status {order.status}); only {resubmittable} orders may be resubmitted.",
                errors=[
                    {
                        "field": "reference",
                        "code": "existing_order",
                        "message": f"Reference {order.reference} is order {order.id}",
                    }
                ],
                existing_order=body,
                headers=location,
            )
        if result.outcome == Outcome.FAILED:
            return problem_response(
                status_code=422,
                title="The order cannot be created",
                detail="; ".join(e["message"] for e in order.errors),
                errors=public_errors(order.errors),
                order=body,
                headers=location,
            )
        status_code = {
            Outcome.CREATED: 201,
            Outcome.REPLAYED: 200,
        }.get(result.outcome, 202)
        return Response(body, status=status_code, headers=location)

    @extend_schema(
        operation_id="orders_list",
        parameters=[
            OpenApiParameter("reference", str, description="Exact reference"),
            OpenApiParameter("status", str, enum=OrderStatus.values),
            OpenApiParameter(
                "fulfilment",
                str,
                enum=FulfilmentStatus.values,
                description="What became of the order in Xentral (`fulfilment.status`); "
                "combine with `status=created` for orders Xentral holds",
            ),
        ],
        responses={
            200: OrderListSerializer,
            **problems(400, *AUTH, d400="Unknown `status` or `fulfilment`"),
        },
        summary="The channel's orders",
    )
    def get(self, request):
        filters = {}
        errors = []
        for name, allowed in (
            ("status", OrderStatus.values),
            ("fulfilment", FulfilmentStatus.values),
        ):
            value = request.query_params.get(name)
            if value is not None and value not in allowed:
                errors.append(
                    {"field": name, "code": "invalid", "message": f"Unknown {name} '{value}'"}
                )
            filters[name] = value
        if errors:
            return problem_response(status_code=400, title="Invalid request", errors=errors)
        orders = selectors.orders_for_channel(
            channel=request.user.channel,
            reference=request.query_params.get("reference"),
            status=filters["status"],
            fulfilment=filters["fulfilment"],
        )[:200]
        return Response({"data": [order_representation(o, request=request) for o in orders]})


class OrderDetailView(APIView):
    required_scopes = ORDER_SCOPES

    @extend_schema(
        operation_id="orders_retrieve",
        responses={200: OrderSerializer, **problems(404, *AUTH)},
        summary="One order of the channel",
    )
    def get(self, request, id):
        order = selectors.order_for_channel(channel=request.user.channel, order_id=id)
        if order is None:
            # Another channel's order is as absent as an unknown id.
            return problem_response(
                status_code=404,
                title="Order not found",
                errors=[{"field": "id", "code": "not_found", "message": f"No order {id}"}],
            )
        return Response(order_representation(order, request=request))
