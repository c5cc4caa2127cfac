"""Rendering of executed report notebooks to HTML and PDF, and the fonts they need."""
