"""What the signed-in user's agency sees of a person, for templates: {% access_for person as access %}
then {% if access.plan %}. The answer comes from consent.policy (remembered there, so asking again
on the same page costs no query)."""

from django import template

from consent import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def access_for(context, person):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or person is None:
        return policy.NO_ACCESS
    return policy.access_for(user, person)
