"""Site-wide views that belong to no room of their own."""

from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request):
    """``/favicon.ico``: a redirect (302) to the site's icon among the static files, for
    pages that name no icon (error pages, JSON answers). Pages built on base.html link it."""
    return redirect(static("wenming/favicon.svg"))
