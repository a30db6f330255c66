"""The local web app (`auditor app`): the same pipeline, report and baseline as the command line,
in a browser, on this computer only.

    security    the guard in front of every request (loopback host, secret token, CSRF, CSP)
    workspace   the person's folder: profile, decisions, latest report, chosen downloads
    scans       a check running in the background, with progress and cancel
    forms       what the forms send, checked and turned into paths and a profile
    seams       the few calls into the pipeline, the report and the profile file
    pages       the templates (templates/app/) and the app's static files
    server      the routes, and `run()` (uvicorn on 127.0.0.1)
"""
from __future__ import annotations

from .server import StartError, create_app, run

__all__ = ["StartError", "create_app", "run"]
