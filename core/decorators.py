from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def _login_complete(user) -> bool:
    """Signed in, and for staff past the second factor too."""
    return user.is_authenticated and not (user.needs_two_factor and not user.is_verified())


def role_required(*roles: str) -> Callable:
    """Let in only signed-in people of these roles; staff must also have passed two-factor login."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not _login_complete(request.user):
                return redirect_to_login(request.get_full_path())
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Any role, as long as the login (and for staff, the second factor) is complete."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _login_complete(request.user):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def permission_required(permission: str) -> Callable:
    """Let in only signed-in people who hold a permission ("app.codename"); the user model decides
    who holds it (for LiveVerify, by role). Staff must also have passed two-factor login."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not _login_complete(request.user):
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
