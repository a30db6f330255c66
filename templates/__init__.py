"""Jinja2 report templates (self-contained HTML: inline CSS, no remote assets). Package data."""
