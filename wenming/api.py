"""The JSON API (Django Ninja); OpenAPI at /api/docs.

Every error is JSON ``{"code", "message", "detail"}`` with a 4xx status for bad input.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from wenming.assessment.api import router as assessment_router
from wenming.briefings.api import router as briefings_router
from wenming.campaign.api import router as campaign_router
from wenming.cases.api import router as cases_router
from wenming.core.errors import ApplicationError
from wenming.core.validation import describe_error
from wenming.geo.api import router as geo_router
from wenming.inspections.api import router as inspections_router
from wenming.org.api import router as org_router
from wenming.org.api_auth import session_auth, token_auth
from wenming.taxonomy.api import router as taxonomy_router

api = NinjaAPI(
    title="Wenming API",
    version="1",
    urls_namespace="api",
    auth=[token_auth, session_auth],
)
api.add_router("/", cases_router)
api.add_router("/", geo_router)
api.add_router("/", taxonomy_router)
api.add_router("/", org_router)
api.add_router("/", inspections_router)
api.add_router("/", campaign_router)
api.add_router("/", assessment_router)
api.add_router("/", briefings_router)


def _error(request, status: int, code: str, message: str, detail=None):
    return api.create_response(
        request, {"code": code, "message": str(message), "detail": detail or {}}, status=status
    )


@api.exception_handler(ApplicationError)
def on_application_error(request, exc: ApplicationError):
    return _error(request, exc.status, exc.code, exc.message, exc.detail)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = [
        {"loc": [str(p) for p in e.get("loc", [])], "msg": describe_error(e), "type": e.get("type")}
        for e in exc.errors
    ]
    return _error(request, 400, "invalid_input", _("The input is invalid."), {"errors": errors})


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(request, 401, "unauthenticated", _("Log in or send a valid API token."))


@api.exception_handler(Http404)
def on_404(request, exc):
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    code, message = "http_error", str(exc)
    if exc.status_code == 400:
        code, message = "invalid_input", _("The input is invalid.")
    elif exc.status_code == 403 and "CSRF" in str(exc):
        code = "csrf_failed"
        message = _(
            "The page's security token is missing or expired; reload the page and try again."
        )
    return _error(request, exc.status_code, code, message, {"reason": str(exc)})
