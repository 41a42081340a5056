"""Widgets of the picker: line-API lists whose drawing cost does not grow with the profile count."""
