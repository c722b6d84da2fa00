from django import template
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def wait(seconds: float | None) -> str:
    """A wait in whole minutes as people say it: "under a minute", "12 minutes", "1 h 5 min"."""
    if seconds is None:
        return "—"
    minutes = int(seconds // 60)
    if minutes < 1:
        return _("under a minute")
    if minutes < 60:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    return _("%(hours)d h %(minutes)d min") % {"hours": minutes // 60, "minutes": minutes % 60}


@register.filter
def wait_range(estimate: tuple[int, int] | None) -> str:
    """An estimate as a range of minutes, rounded outwards so it does not promise too much."""
    if not estimate:
        return _("no estimate (no agent is on duty)")
    low, high = estimate[0] // 60, -(-estimate[1] // 60)
    if high <= 1:
        return _("under a minute")
    if low == high:
        return _("about %(count)d minutes") % {"count": high}
    return _("%(low)d to %(high)d minutes") % {"low": low, "high": high}


@register.filter
def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f} %"


@register.filter
def language_label(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))


@register.filter
def wait_minutes(seconds: int) -> int:
    """Seconds as whole minutes, rounded up."""
    return -(-int(seconds) // 60)


@register.filter
def state_label(value: str) -> str:
    from operations.models import AgentState

    return str(AgentState.State(value).label)


@register.filter
def minutes_as_hours(minutes: int) -> str:
    return _("%(hours)d h %(minutes)02d min") % {"hours": minutes // 60, "minutes": minutes % 60}
