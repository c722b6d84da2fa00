from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from core.decorators import signed_in

app_name = "accounts"

urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/signup/done/", views.signup_done, name="signup_done"),
    path("accounts/verify/resend/", views.resend_verification, name="resend_verification"),
    path("accounts/verify/<str:token>/", views.verify_email, name="verify_email"),
    path("accounts/login/", views.login, name="login"),
    path("accounts/login/code/", views.two_factor, name="two_factor"),
    path("accounts/login/authenticator/", views.two_factor_setup, name="two_factor_setup"),
    path("accounts/logout/", views.logout, name="logout"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/password/change/", signed_in(views.PasswordChangeView.as_view()), name="password_change"),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("supervisor/staff/", views.staff_list, name="staff_list"),
    path("supervisor/staff/new/", views.staff_create, name="staff_create"),
    path("supervisor/staff/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("supervisor/staff/<int:pk>/reset-authenticator/", views.staff_reset_two_factor, name="staff_reset_two_factor"),
    path("supervisor/staff/<int:pk>/active/", views.staff_active, name="staff_active"),
]
