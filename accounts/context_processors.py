from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User

_NAVIGATION = {
    User.Role.TAXPAYER: [("operations:taxpayer_home", _("Your interview")), ("operations:talk_now", _("Talk now"))],
    User.Role.AGENT: [
        ("operations:agent_home", _("Today's work")),
        ("operations:agent_panel", _("Talk now")),
        ("scheduling:agent_week", _("Your week")),
        ("scheduling:hours", _("Working hours")),
    ],
    User.Role.SUPERVISOR: [
        ("operations:supervisor_home", _("Operations")),
        ("operations:dashboard", _("Dashboard")),
        ("scheduling:supervisor_schedule", _("Schedule")),
        ("accounts:staff_list", _("Staff")),
        ("scheduling:settings", _("Interview settings")),
    ],
}


def navigation(request: HttpRequest) -> dict:
    """The header links for the signed-in person's role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or (user.needs_two_factor and not user.is_verified()):
        return {"nav_links": []}
    links = [(reverse(name), label) for name, label in _NAVIGATION[user.role]]
    links.append((reverse("accounts:profile"), _("Profile")))
    return {"nav_links": links}
