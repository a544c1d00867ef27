"""Catalog API: upload a catalog (checked and stored; its dry run runs as a job), apply it,
follow its progress; resolve products."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import parsers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from backoffice.api.problems import problem_response
from backoffice.api.schema import AUTH, problems
from backoffice.csv_export import csv_response
from catalog.errors import ImportNotApplicable
from catalog.imports.apply import import_apply
from catalog.imports.dry_run import import_create
from catalog.models import ImportStatus, ProductImport, RowStatus
from catalog.parsing import COLUMNS, CatalogFileError
from catalog.selectors import import_progress, product_resolve
from catalog.serializers import (
    CatalogJsonSerializer,
    CatalogUploadSerializer,
    ImportSerializer,
    ResolvedProductSerializer,
)


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
            "code": exc.code,
            "message": e["message"],
        }
        for e in exc.errors
    ]
    if exc.code == "too_large":
        return problem_response(
            status_code=413, title="Catalog file too large", detail=str(exc), errors=errors
        )
    return problem_response(
        status_code=400, title="The catalog file cannot be imported", errors=errors
    )


def _no_file() -> Response:
    message = "Send the catalog as 'file'."
    return problem_response(
        status_code=400,
        title="No file",
        errors=[{"field": "file", "code": "required", "message": message}],
    )


class ImportCollection(APIView):
    required_scope = "catalog:write"
    parser_classes = [parsers.MultiPartParser, parsers.JSONParser]

    @extend_schema(
        operation_id="catalog_imports_create",
        request={
            "multipart/form-data": CatalogUploadSerializer,
            "application/json": CatalogJsonSerializer,
        },
        responses={
            202: OpenApiResponse(
                ImportSerializer,
                description="Checked and stored; the dry run runs in the background "
                "(`status` pending, `progress.summary` says how far)",
            ),
            **problems(
                400, 413, 415, *AUTH,
                d400="The file cannot be imported: `errors` name row and column "
                "(`row 3.sales_price`), or it has more rows than allowed (`too_many_rows`)",
                d413="The file is larger than the limit (20 MB by default)",
            ),
        },
        summary="Upload a catalog (CSV or JSON); its dry run runs as a background job",
    )  # fmt: skip
    def post(self, request):
        if request.content_type.startswith("multipart/"):
            upload = request.FILES.get("file")
            if upload is None:
                return _no_file()
            content, filename = upload.file, upload.name or "catalog.csv"
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
        body = import_representation(product_import, request)
        return Response(body, status=202, headers={"Location": body["links"]["self"]})


def _own_import(request, import_id) -> ProductImport | None:
    return ProductImport.objects.filter(pk=import_id, channel=request.user.channel).first()


def _not_found(import_id) -> Response:
    return problem_response(
        status_code=404,
        title="No such import",
        errors=[{"field": "import_id", "code": "not_found", "message": f"No import {import_id}"}],
    )


class ImportDetail(APIView):
    required_scope = "catalog:write"

    @extend_schema(
        operation_id="catalog_imports_retrieve",
        responses={200: ImportSerializer, **problems(404, *AUTH)},
        summary="Status, counts, rows and progress of the dry run or the apply",
    )
    def get(self, request, import_id):
        product_import = _own_import(request, import_id)
        if product_import is None:
            return _not_found(import_id)
        return Response(import_representation(product_import, request))


class ImportApply(APIView):
    required_scope = "catalog:write"

    @extend_schema(
        operation_id="catalog_imports_apply",
        request=None,
        responses={
            202: OpenApiResponse(
                ImportSerializer, description="Applying (asking again while it runs answers this)"
            ),
            **problems(
                404, 409, *AUTH,
                d409="The dry run is still running, or the import was applied already",
            ),
        },
        summary="Apply the import's dry run to Xentral",
    )  # fmt: skip
    def post(self, request, import_id):
        product_import = _own_import(request, import_id)
        if product_import is None:
            return _not_found(import_id)
        try:
            product_import = import_apply(
                product_import=product_import, channel=request.user.channel
            )
        except ImportNotApplicable as exc:
            if exc.status == ImportStatus.APPLYING:
                # Asking again while it runs is harmless: the answer is its progress.
                return Response(import_representation(product_import, request), status=202)
            title = (
                "The dry run is still running"
                if exc.status == ImportStatus.PENDING
                else "The import was applied already"
            )
            return problem_response(status_code=409, title=title, detail=str(exc))
        return Response(
            import_representation(product_import, request),
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": f"/api/v1/catalog/imports/{product_import.id}"},
        )


FAILED_ROWS_HEADER = ("line", "errors", *COLUMNS)


def _cell(value) -> str:
    """A row's parsed value back as the file's text (lists as the file writes them)."""
    if isinstance(value, list):
        separator = "*" if value and isinstance(value[0], list) else ":"
        return "|".join(
            separator.join(item) if isinstance(item, list) else str(item) for item in value
        )
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else str(value)


class ImportFailedRows(APIView):
    required_scope = "catalog:write"

    @extend_schema(
        operation_id="catalog_imports_failed_rows",
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="The rows the dry run rejected or that failed while applying, with "
                "their errors; formula-looking cells are neutralised (docs/catalog.md)",
            ),
            **problems(404, *AUTH),
        },
        summary="The import's failed rows as CSV",
    )
    def get(self, request, import_id):
        product_import = _own_import(request, import_id)
        if product_import is None:
            return _not_found(import_id)
        rows = product_import.rows.filter(status=RowStatus.FAILED).order_by("line")
        return csv_response(
            filename=f"import-{product_import.id}-failed.csv",
            header=FAILED_ROWS_HEADER,
            rows=(
                [row.line, "; ".join(row.errors), *(_cell(row.data.get(c)) for c in COLUMNS)]
                for row in rows.iterator()
            ),
        )


class Resolve(APIView):
    required_scope = "catalog:read"

    @extend_schema(
        operation_id="catalog_resolve",
        parameters=[
            OpenApiParameter("target", str, description="External-reference target id"),
            OpenApiParameter("number", str, description="Foreign number (with target)"),
            OpenApiParameter("sku", str),
            OpenApiParameter("ean", str),
        ],
        responses={
            200: ResolvedProductSerializer,
            **problems(
                400, 404, *AUTH,
                d400="Not exactly one of target+number, sku or ean",
                d404="No product matches",
            ),
        },
        summary="Resolve a foreign number, SKU or EAN to the Xentral product (no Xentral call)",
    )  # fmt: skip
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
