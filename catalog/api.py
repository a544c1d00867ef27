"""Catalog API: upload a catalog (dry run), apply it, follow its progress; resolve products."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import parsers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from backoffice.api.problems import problem_response
from catalog.errors import ImportNotApplicable
from catalog.imports.apply import import_apply
from catalog.imports.dry_run import import_create
from catalog.models import ImportStatus, ProductImport
from catalog.parsing import CatalogFileError
from catalog.selectors import import_progress, product_resolve


def import_representation(product_import: ProductImport, request) -> dict:
    return {
        "id": str(product_import.id),
        "filename": product_import.filename,
        "status": product_import.status,
        "created_at": product_import.created_at.isoformat(),
        "progress": import_progress(product_import),
        "rows": [
            {
                "line": row.line,
                "number": row.number,
                "action": row.action,
                "status": row.status,
                "xentral_id": row.xentral_id or None,
                "errors": row.errors,
                "calls": row.calls,
            }
            for row in product_import.rows.all()
        ],
        "links": {
            "self": request.build_absolute_uri(f"/api/v1/catalog/imports/{product_import.id}"),
            "apply": request.build_absolute_uri(
                f"/api/v1/catalog/imports/{product_import.id}/apply"
            ),
        },
    }


def _file_problem(exc: CatalogFileError) -> Response:
    errors = [
        {
            "field": f"row {e['row']}.{e['column']}" if e["row"] else e["column"],
            "code": "invalid_file",
            "message": e["message"],
        }
        for e in exc.errors
    ]
    return problem_response(
        status_code=400, title="The catalog file cannot be imported", errors=errors
    )


class ImportCollection(APIView):
    required_scope = "catalog:write"
    parser_classes = [parsers.MultiPartParser, parsers.JSONParser]

    @extend_schema(
        request={"multipart/form-data": {"type": "object", "properties": {"file": {
            "type": "string", "format": "binary"}}}, "application/json": OpenApiTypes.OBJECT},
        responses={201: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
        summary="Upload a catalog (CSV or JSON) and get its dry run",
    )  # fmt: skip
    def post(self, request):
        if request.content_type.startswith("multipart/"):
            upload = request.FILES.get("file")
            if upload is None:
                return problem_response(
                    status_code=400,
                    title="No file",
                    errors=[
                        {
                            "field": "file",
                            "code": "required",
                            "message": "Send the catalog as 'file'.",
                        }
                    ],
                )
            content, filename = upload.read(), upload.name
        elif request.content_type.startswith("application/json"):
            content, filename = request.body, "catalog.json"
        else:
            return problem_response(
                status_code=415,
                title="Send the catalog as multipart 'file' or as a JSON body",
            )
        try:
            product_import = import_create(
                content=content, filename=filename, channel=request.user.channel
            )
        except CatalogFileError as exc:
            return _file_problem(exc)
        return Response(import_representation(product_import, request), status=201)


def _own_import(request, import_id) -> ProductImport | None:
    return ProductImport.objects.filter(pk=import_id, channel=request.user.channel).first()


def _not_found() -> Response:
    return problem_response(status_code=404, title="No such import")


class ImportDetail(APIView):
    required_scope = "catalog:write"

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Status, counts, rows, progress")
    def get(self, request, import_id):
        product_import = _own_import(request, import_id)
        if product_import is None:
            return _not_found()
        return Response(import_representation(product_import, request))


class ImportApply(APIView):
    required_scope = "catalog:write"

    @extend_schema(request=None, responses={202: OpenApiTypes.OBJECT}, summary="Apply the import")
    def post(self, request, import_id):
        product_import = _own_import(request, import_id)
        if product_import is None:
            return _not_found()
        try:
            product_import = import_apply(
                product_import=product_import, channel=request.user.channel
            )
        except ImportNotApplicable as exc:
            if exc.status == ImportStatus.APPLYING:
                # Asking again while it runs is harmless: the answer is its progress.
                return Response(import_representation(product_import, request), status=202)
            return problem_response(status_code=409, title="The import was applied already",
                                    detail=str(exc))  # fmt: skip
        return Response(
            import_representation(product_import, request),
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": f"/api/v1/catalog/imports/{product_import.id}"},
        )


class Resolve(APIView):
    required_scope = "catalog:read"

    @extend_schema(
        parameters=[
            OpenApiParameter("target", str, description="External-reference target id"),
            OpenApiParameter("number", str, description="Foreign number (with target)"),
            OpenApiParameter("sku", str),
            OpenApiParameter("ean", str),
        ],
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
        summary="Resolve a foreign number, SKU or EAN to the Xentral product (no Xentral call)",
    )
    def get(self, request):
        query = request.query_params
        given = [k for k in ("number", "sku", "ean") if query.get(k)]
        if len(given) != 1 or ("number" in given and not query.get("target")):
            return problem_response(
                status_code=400,
                title="Give exactly one of target+number, sku or ean",
                errors=[{"field": "number", "code": "required",
                         "message": "Give exactly one of target+number, sku or ean."}],
            )  # fmt: skip
        product = product_resolve(
            target_id=query.get("target", ""),
            number=query.get("number", ""),
            sku=query.get("sku", ""),
            ean=query.get("ean", ""),
        )
        if product is None:
            return problem_response(status_code=404, title="No product matches")
        return Response(
            {
                "product_id": product.xentral_id,
                "number": product.number,
                "ean": product.ean,
                "name": product.name,
            }
        )
