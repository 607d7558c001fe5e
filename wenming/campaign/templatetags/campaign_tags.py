"""Template helpers of the campaign app."""

from django import template

from wenming.org.scope import scope_for

from .. import selectors

register = template.Library()


@register.simple_tag
def campaign_visible(user) -> bool:
    """Whether the campaign menu concerns ``user`` (office, leader, unit handler)."""
    return selectors.can_see_campaign(scope_for(user))
