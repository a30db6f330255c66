"""Jinja2 templates (self-contained HTML: inline CSS, no remote assets), installed as
``auditor.templates``. Package data."""
