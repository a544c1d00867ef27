"""`POST /api/v1/xentral/events`: Xentral's webhook deliveries. Public (Xentral holds no API
key of the hub) but every delivery must carry a valid signature; answered at once, processed by
a worker."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from backoffice.xentral.events import SIGNATURE_HEADER, EventRejected, xentral_event_receive


@csrf_exempt
@require_POST
def xentral_events_receive(request: HttpRequest) -> JsonResponse:
    try:
        received = xentral_event_receive(
            raw=request.body, signature=request.headers.get(SIGNATURE_HEADER, "")
        )
    except EventRejected as rejected:
        return JsonResponse(
            {
                "type": f"https://xentral-hub.invalid/problems/{rejected.status}",
                "title": str(rejected),
                "status": rejected.status,
                "detail": str(rejected),
                "errors": [],
            },
            status=rejected.status,
            content_type="application/problem+json",
        )
    return JsonResponse(
        {"id": received.event.pk, "duplicate": received.duplicate},
        status=200 if received.duplicate else 202,
    )
