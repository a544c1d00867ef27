"""Per-channel request throttling (600 requests a minute by default)."""

from rest_framework.throttling import SimpleRateThrottle


class ChannelRateThrottle(SimpleRateThrottle):
    scope = "channel"

    def get_cache_key(self, request, view):
        channel = getattr(request.user, "channel", None)
        if channel is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": channel.pk}
