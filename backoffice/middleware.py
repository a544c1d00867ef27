"""Request size limits: oversized API bodies answer 413 before anything reads them."""

import json

from django.conf import settings
from django.http import HttpResponse


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            limit = (
                settings.CATALOG_IMPORT_MAX_BYTES
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


def _too_large(limit: int) -> HttpResponse:
    message = f"The request body is larger than {limit} bytes."
    body = {
        "type": "https://xentral-hub.invalid/problems/413",
        "title": "Request body too large",
        "status": 413,
        "detail": message,
        "errors": [{"field": "", "code": "too_large", "message": message}],
    }
    return HttpResponse(json.dumps(body), status=413, content_type="application/problem+json")
