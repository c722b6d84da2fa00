"""What every app's forms share: U.S. Web Design System classes and limits the browser knows."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

_WIDGET_CLASSES = {
    forms.CheckboxInput: "usa-checkbox__input",
    forms.CheckboxSelectMultiple: "usa-checkbox__input",
    forms.RadioSelect: "usa-radio__input",
    forms.Select: "usa-select",
    forms.Textarea: "usa-textarea",
}


class USWDSFormMixin:
    """Gives every widget the U.S. Web Design System class for its kind."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = next((c for kind, c in _WIDGET_CLASSES.items() if isinstance(field.widget, kind)), "usa-input")
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()


def formfield_with_limits(db_field: models.Field, **kwargs) -> forms.Field | None:
    """A model field's form field whose min and max come from the model's validators, so that a
    number input allows in the browser what the server accepts (a ModelForm's formfield_callback)."""
    for validator in db_field.validators:
        if isinstance(validator, MinValueValidator) and not callable(validator.limit_value):
            kwargs["min_value"] = max(validator.limit_value, kwargs.get("min_value", validator.limit_value))
        elif isinstance(validator, MaxValueValidator) and not callable(validator.limit_value):
            kwargs["max_value"] = min(validator.limit_value, kwargs.get("max_value", validator.limit_value))
    return db_field.formfield(**kwargs)
