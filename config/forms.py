from django.forms.renderers import TemplatesSetting


class USWDSFormRenderer(TemplatesSetting):
    """Renders every form field with the U.S. Web Design System's markup."""

    form_template_name = "django/forms/uswds_form.html"
    field_template_name = "django/forms/uswds_field.html"
