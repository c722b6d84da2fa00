from django.contrib import admin

from scheduling.models import WeeklyHours


@admin.register(WeeklyHours)
class WeeklyHoursAdmin(admin.ModelAdmin):
    list_display = ["agent", "weekday", "start", "end"]
    list_filter = ["weekday"]
