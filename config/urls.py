from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from accounts import views as account_views

# The admin site asks staff for their authenticator code like every other staff page.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("", account_views.home, name="home"),
    path("language/", account_views.language_switch, name="language_switch"),
    path("", include("accounts.urls")),
    path("", include("scheduling.urls")),
    path("", include("audit.urls")),
    path("", include("interviews.urls")),
    path("", include("verification.urls")),
    path("", include("operations.urls")),
    path("admin/", admin.site.urls),
]
