"""Beta Xentral features an instance may lack: one switch per instance and feature, kept in
the database so every process sees it."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from backoffice.models import XentralFeature, XentralFeatureOff

# How long an instance that refused a beta feature is spared another try.
FEATURE_OFF_FOR = timedelta(days=1)


def feature_available(feature: XentralFeature) -> bool:
    """False while this instance's switch for the feature is off."""
    return not XentralFeatureOff.objects.filter(
        instance=settings.XENTRAL_URL, feature=feature, until__gt=timezone.now()
    ).exists()


def feature_switch_off(feature: XentralFeature, *, reason: str) -> None:
    """Stop using the feature on this instance for FEATURE_OFF_FOR."""
    XentralFeatureOff.objects.update_or_create(
        instance=settings.XENTRAL_URL,
        feature=feature,
        defaults={"until": timezone.now() + FEATURE_OFF_FOR, "reason": reason[:500]},
    )
