"""API request guards: oversized bodies answer 413 before anything reads them, and every error
on an API path is `application/problem+json` (a crash too: logged, no traceback sent)."""

import logging

from django.conf import settings

from backoffice.api.problems import PROBLEM_CONTENT_TYPE, problem_http_response

logger = logging.getLogger("backoffice.api")
API_PREFIX = "/api/"
MULTIPART_ALLOWANCE = 64 * 1024


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            limit = (
                # The multipart envelope around a file of the largest size is allowed too.
                settings.CATALOG_IMPORT_MAX_BYTES + MULTIPART_ALLOWANCE
                if request.path.startswith("/api/v1/catalog/imports")
                else settings.API_MAX_BODY_BYTES
            )
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                return _too_large(limit)
        return self.get_response(request)


def _too_large(limit: int):
    message = f"The request body is larger than {limit} bytes."
    return problem_http_response(
        status_code=413,
        title="Request body too large",
        detail=message,
        errors=[{"field": "", "code": "too_large", "message": message}],
    )


class ApiProblemMiddleware:
    """Outermost on API paths: Django's own HTML error pages (unknown URL, a refused upload)
    become problems, a NUL in the query is refused before a database sees it, and an uncaught
    exception is logged and answered as a bare 500 problem."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        refused = _nul_in_query(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if response.status_code >= 400 and not content_type.startswith(
            ("application/json", PROBLEM_CONTENT_TYPE)
        ):
            headers = {k: v for k, v in response.items() if k in ("Allow", "Retry-After")}
            replacement = (
                _server_error()
                if response.status_code == 500
                else problem_http_response(status_code=response.status_code)
            )
            for name, value in headers.items():
                replacement[name] = value
            return replacement
        return response

    def process_exception(self, request, exception):
        if not request.path.startswith(API_PREFIX):
            return None
        logger.error("API request %s %s failed", request.method, request.path, exc_info=exception)
        return _server_error()


def _server_error():
    return problem_http_response(
        status_code=500,
        title="Internal server error",
        detail="The hub failed to answer this request; the error is logged.",
    )


def _nul_in_query(request):
    if "\x00" in request.path:
        return problem_http_response(status_code=404, title="Not found")
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            message = "NUL characters (\\u0000) are not allowed"
            return problem_http_response(
                status_code=400,
                title="Invalid request",
                detail=message,
                errors=[{"field": name.replace("\x00", "\\u0000"), "code": "invalid",
                         "message": message}],
            )  # fmt: skip
    return None
