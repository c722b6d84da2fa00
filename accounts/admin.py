from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import AgentLanguage, TaxpayerProfile, User


class TaxpayerProfileInline(admin.StackedInline):
    model = TaxpayerProfile
    can_delete = False


class AgentLanguageInline(admin.TabularInline):
    model = AgentLanguage
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "is_active", "email_verified_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "full_name"]
    inlines = [TaxpayerProfileInline, AgentLanguageInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "role", "preferred_language", "time_zone"]}),
        (_("Status"), {"fields": ["is_active", "email_verified_at", "is_staff", "is_superuser", "last_login"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "role", "password1", "password2"]})]
    readonly_fields = ["last_login"]
