"""Operations' answers to the signals of the apps below it (connected in apps.py)."""

from operations import services


def offline_when_deactivated(sender, *, user, active: bool, actor, **kwargs) -> None:
    """A deactivated agent goes offline; refused (with the reason) while they are in an interview."""
    if not active and user.is_agent:
        services.agent_state_set(agent=user, state="offline", actor=actor)


def agent_follows_call(sender, *, session, **kwargs) -> None:
    """The agent's state follows the call (admitted: in an interview; ended: wrap-up); dashboards hear."""
    services.session_changed(session=session)
