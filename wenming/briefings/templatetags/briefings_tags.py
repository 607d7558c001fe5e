"""Template helpers of the briefings app."""

from django import template

from wenming.org.scope import scope_for

from .. import selectors

register = template.Library()


@register.simple_tag
def briefings_visible(user) -> bool:
    """Whether the briefings menu concerns ``user``: the office and anyone with a role
    (see :func:`wenming.briefings.selectors.can_see_briefings`)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return selectors.can_see_briefings(scope_for(user))
