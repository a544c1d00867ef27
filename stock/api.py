"""Stock API for channels: available-to-promise, answered from the hub's tables only."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from backoffice.api.problems import problem_response
from backoffice.api.schema import AUTH, problems
from backoffice.models import Scope
from stock.selectors import available_for_channel, stocks_by_sku
from stock.serializers import StockListSerializer, StockSerializer

MAX_SKUS = 100


def _number(value) -> str:
    return format(value.normalize(), "f") if value is not None else None


def stock_representation(row, channel) -> dict:
    snapshot = row.latest
    return {
        "sku": row.product.number,
        "available": _number(available_for_channel(snapshot=snapshot, channel=channel)),
        "sellable": _number(snapshot.sellable),
        "physical": _number(snapshot.physical),
        "reserved": _number(snapshot.reserved),
        "warehouses": [
            {"id": w.warehouse_id, "physical": _number(w.physical)}
            for w in snapshot.warehouses.all()
        ],
        "snapshot_at": snapshot.taken_at.isoformat(),
    }


class StockList(APIView):
    required_scope = Scope.STOCK_READ

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "sku",
                str,
                required=True,
                description=f"Comma-separated SKUs, at most {MAX_SKUS}",
                pattern=r"[^,\s]",
            )
        ],
        operation_id="stock_list",
        responses={
            200: StockListSerializer,
            **problems(400, *AUTH, d400=f"No SKU given, or more than {MAX_SKUS}"),
        },
        summary="Stock of several SKUs; unknown ones are listed under `unknown`",
    )
    def get(self, request):
        skus = list(
            dict.fromkeys(
                s.strip() for s in request.query_params.get("sku", "").split(",") if s.strip()
            )
        )
        if not skus:
            return problem_response(
                status_code=400,
                title="Give ?sku=A,B,C",
                errors=[
                    {
                        "field": "sku",
                        "code": "required",
                        "message": "Required parameter 'sku' is missing",
                    }
                ],
            )
        if len(skus) > MAX_SKUS:
            return problem_response(
                status_code=400,
                title=f"At most {MAX_SKUS} SKUs per request",
                errors=[
                    {
                        "field": "sku",
                        "code": "invalid",
                        "message": f"{len(skus)} SKUs given; at most {MAX_SKUS} per request",
                    }
                ],
            )
        rows = stocks_by_sku(skus=skus)
        channel = request.user.channel
        return Response(
            {
                "data": [stock_representation(rows[s], channel) for s in skus if s in rows],
                "unknown": [s for s in skus if s not in rows],
            }
        )


class StockDetail(APIView):
    required_scope = Scope.STOCK_READ

    @extend_schema(
        operation_id="stock_detail",
        responses={200: StockSerializer, **problems(404, *AUTH, d404="No stock known for the SKU")},
        summary="Stock of one SKU",
    )
    def get(self, request, sku):
        row = stocks_by_sku(skus=[sku]).get(sku)
        if row is None:
            return problem_response(status_code=404, title=f"No stock known for SKU {sku}")
        return Response(stock_representation(row, request.user.channel))
