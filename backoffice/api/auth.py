"""API authentication: `Authorization: Bearer <channel API key>` and per-view scopes."""

from rest_framework import authentication, exceptions, permissions

from backoffice.models import ApiKey, Channel
from backoffice.services import api_key_authenticate


class ChannelPrincipal:
    """The authenticated caller of an API request (DRF's request.user)."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        self.channel: Channel = api_key.channel
        self.scopes = frozenset(api_key.scopes)

    def __str__(self) -> str:
        return str(self.channel)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, raw_key = header.partition(" ")
        if keyword.lower() != self.keyword.lower() or not raw_key.strip():
            raise exceptions.AuthenticationFailed("Use 'Authorization: Bearer <API key>'.")
        api_key = api_key_authenticate(raw_key=raw_key.strip())
        if api_key is None:
            raise exceptions.AuthenticationFailed("The API key is unknown or revoked.")
        return ChannelPrincipal(api_key), api_key

    def authenticate_header(self, request) -> str:
        return self.keyword


class HasScope(permissions.BasePermission):
    """Views name the scope they need as `required_scope` (or per method: `required_scopes`)."""

    message = "The API key lacks the scope this endpoint needs."

    def has_permission(self, request, view) -> bool:
        principal = request.user
        if not isinstance(principal, ChannelPrincipal):
            raise exceptions.NotAuthenticated("Send 'Authorization: Bearer <API key>'.")
        if request.method.lower() not in (m.lower() for m in view.allowed_methods):
            return True  # the view answers 405 Method Not Allowed; there is nothing to guard
        required = getattr(view, "required_scopes", {}).get(request.method) or getattr(
            view, "required_scope", None
        )
        if required is None:
            # Fail closed: a view that forgets to declare its scope is open to no key.
            self.message = "This endpoint declares no scope, so no API key may use it."
            return False
        if required not in principal.scopes:
            self.message = f"The API key lacks the scope '{required}'."
            return False
        return True
