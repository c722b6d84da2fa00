from datetime import datetime
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import forms, services
from accounts.models import TaxpayerProfile, User
from accounts.selectors import identity_verification_for
from core.decorators import role_required, signed_in
from core.errors import DomainError

PENDING_KEY = "accounts_pending_two_factor"
HOME_URLS = {
    User.Role.TAXPAYER: "operations:taxpayer_home",
    User.Role.AGENT: "operations:agent_home",
    User.Role.SUPERVISOR: "operations:supervisor_home",
}


def _home_url(user: User) -> str:
    return reverse(HOME_URLS[user.role])


def _safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    """A path on this site to go on to after logging in; anything else (another site, a bare word) is dropped."""
    if (
        candidate
        and candidate.startswith("/")
        and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure())
    ):
        return candidate
    return None


def _pending_user(request: HttpRequest) -> User | None:
    """The staff member who gave a correct password in this session and still owes a code."""
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return None
    started = datetime.fromisoformat(pending["at"])
    if timezone.now() - started > settings.TWO_FACTOR_PENDING_MAX_AGE:
        request.session.pop(PENDING_KEY, None)
        return None
    return User.objects.filter(pk=pending["uid"], is_active=True).first()


def _finish_login(request: HttpRequest, user: User, device: TOTPDevice | None = None) -> HttpResponse:
    pending = request.session.pop(PENDING_KEY, None) or {}
    next_url = pending.get("next") or _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if device is not None:
        otp_login(request, device)
    # A language chosen in the header before logging in carries on, rather than the saved one.
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES):
        services.language_set(user=user, language=chosen)
    return redirect(next_url or _home_url(user))


def locked_out(request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None) -> HttpResponse:
    """What a person sees while logins to an account or from an address are paused."""
    context = {"minutes": settings.LOGIN_COOLOFF_MINUTES}
    return render(request, "accounts/locked_out.html", context, status=429)


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and not (request.user.needs_two_factor and not request.user.is_verified()):
        return redirect(_home_url(request.user))
    return render(request, "home.html")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = forms.SignupForm(request.POST or None, initial={"preferred_language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.taxpayer_signup(
                email=data["email"],
                password=data["password1"],
                full_name=data["full_name"],
                preferred_language=data["preferred_language"],
                time_zone=data["time_zone"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            request.session["signup_email"] = data["email"]
            return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form})


def signup_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup_done.html", {"email": request.session.get("signup_email")})


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.email_verify(token=token)
    except DomainError as error:
        form = forms.ResendVerificationForm()
        return render(request, "accounts/verify_failed.html", {"error": error.message, "form": form}, status=400)
    messages.success(request, _("Your email address is confirmed. You can log in now."))
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
def resend_verification(request: HttpRequest) -> HttpResponse:
    form = forms.ResendVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.email_verification_resend(email=form.cleaned_data["email"])
        messages.info(
            request, _("If an account with that address is waiting for confirmation, we have sent a new link.")
        )
        return redirect("accounts:login")
    return render(request, "accounts/resend_verification.html", {"form": form})


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated and not (request.user.needs_two_factor and not request.user.is_verified()):
        return redirect(next_url or _home_url(request.user))
    form = forms.LoginForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.user
        if user.needs_two_factor:
            request.session[PENDING_KEY] = {"uid": user.pk, "at": timezone.now().isoformat(), "next": next_url}
            if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                return redirect("accounts:two_factor")
            return redirect("accounts:two_factor_setup")
        return _finish_login(request, user)
    return render(request, "accounts/login.html", {"form": form, "next": next_url or ""})


@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        messages.warning(request, _("Your login took too long or was not started. Please log in again."))
        return redirect("accounts:login")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        return redirect("accounts:two_factor_setup")
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_verify(device=device, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            return _finish_login(request, user, device)
    return render(request, "accounts/two_factor.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        messages.warning(request, _("Your login took too long or was not started. Please log in again."))
        return redirect("accounts:login")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:two_factor")
    device = services.totp_device_pending(user=user)
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_device_confirm(device=device, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            messages.success(request, _("Your authenticator app is set up. You will need it each time you log in."))
            return _finish_login(request, user, device)
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    context = {
        "form": form,
        "qr_svg": buffer.getvalue().decode(),
        "secret": services.totp_secret_for_display(device=device),
    }
    return render(request, "accounts/two_factor_setup.html", context, status=400 if form.errors else 200)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Log out, or cancel a login still waiting for its code (the session and its pending step go)."""
    next_url = _safe_next(request, request.POST.get("next"))
    auth_logout(request)
    messages.info(request, _("You have logged out."))
    return redirect(next_url or "home")


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.language_set(user=request.user, language=language)
    return response


@signed_in
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    data = request.POST if request.method == "POST" else None
    identity_status = identity_verification_for(user=user) if user.is_taxpayer else None
    form = forms.ProfileForm(data, instance=user, identity_locked=identity_status is not None)
    needs_form = identity_form = None
    if user.is_taxpayer:
        taxpayer_profile = TaxpayerProfile.objects.get_or_create(user=user)[0]
        needs_form = forms.TaxpayerNeedsForm(data, instance=taxpayer_profile)
        identity_form = forms.ClaimedIdentityForm(data, instance=taxpayer_profile, locked=identity_status is not None)
    if request.method == "POST":
        valid = [f.is_valid() for f in (form, needs_form, identity_form) if f is not None]
        if all(valid):
            try:
                services.profile_update(
                    user=user,
                    fields={name: form.cleaned_data[name] for name in forms.ProfileForm.Meta.fields},
                    profile_fields=needs_form.cleaned_data | identity_form.cleaned_data if needs_form else None,
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Your profile is saved."))
                response = redirect("accounts:profile")
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    user.preferred_language,
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                )
                return response
        user.refresh_from_db()
    status = 400 if any(f is not None and f.errors for f in (form, needs_form, identity_form)) else 200
    context = {
        "form": form,
        "needs_form": needs_form,
        "identity_form": identity_form,
        "identity_status": identity_status,
    }
    return render(request, "accounts/profile.html", context, status=status)


@role_required(User.Role.SUPERVISOR)
def staff_list(request: HttpRequest) -> HttpResponse:
    staff = (
        User.objects.filter(role__in=[User.Role.AGENT, User.Role.SUPERVISOR])
        .prefetch_related("agent_languages", "totpdevice_set")
        .order_by("role", "full_name")
    )
    return render(request, "accounts/staff_list.html", {"staff": staff})


@role_required(User.Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    form = forms.StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.staff_create(created_by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(name)s's account is created. We emailed them a link to choose a password.")
                % {"name": user.full_name},
            )
            return redirect("accounts:staff_list")
    return render(request, "accounts/staff_form.html", {"form": form}, status=400 if form.errors else 200)


def _get_staff_member(pk: int) -> User:
    return get_object_or_404(User, pk=pk, role__in=[User.Role.AGENT, User.Role.SUPERVISOR])


@role_required(User.Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _get_staff_member(pk)
    initial = {
        "full_name": member.full_name,
        "time_zone": member.time_zone,
        "languages": list(member.agent_languages.values_list("language", flat=True)),
    }
    form = forms.StaffEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.staff_update(updated_by=request.user, user=member, **form.cleaned_data)
        messages.success(request, _("The changes to %(name)s's account are saved.") % {"name": member.full_name})
        return redirect("accounts:staff_list")
    has_device = member.totpdevice_set.filter(confirmed=True).exists()
    context = {"form": form, "member": member, "has_device": has_device}
    return render(request, "accounts/staff_edit.html", context, status=400 if form.errors else 200)


@role_required(User.Role.SUPERVISOR)
@require_POST
def staff_reset_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    member = _get_staff_member(pk)
    try:
        services.two_factor_reset(reset_by=request.user, user=member)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s's authenticator is removed. They will set up a new one at their next login.")
            % {"name": member.full_name},
        )
    return redirect("accounts:staff_edit", pk=member.pk)


@role_required(User.Role.SUPERVISOR)
@require_POST
def staff_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate or reactivate a staff account."""
    member = _get_staff_member(pk)
    active = request.POST.get("active") == "1"
    try:
        services.staff_active_set(updated_by=request.user, user=member, active=active)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if active:
            messages.success(request, _("%(name)s can log in again.") % {"name": member.full_name})
        else:
            messages.success(request, _("%(name)s can no longer log in.") % {"name": member.full_name})
    return redirect("accounts:staff_edit", pk=member.pk)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = forms.USWDSPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "emails/password_reset.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


def _password_changed(user: User) -> None:
    """The owner hears of every password change, in case it was not them."""
    from accounts.tasks import send_password_changed_notice

    transaction.on_commit(lambda: send_password_changed_notice.delay(user.pk))


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = forms.USWDSSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: forms.USWDSSetPasswordForm) -> HttpResponse:
        had_one = form.user.has_usable_password()  # not for a new staff member choosing their first
        response = super().form_valid(form)
        if had_one:
            _password_changed(form.user)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = forms.USWDSPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: forms.USWDSPasswordChangeForm) -> HttpResponse:
        messages.success(self.request, _("Your password is changed."))
        response = super().form_valid(form)
        _password_changed(form.user)
        return response
