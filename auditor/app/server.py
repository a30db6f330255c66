"""`auditor app`: the local web app. Starlette routes behind the guard (auditor.app.security),
served by uvicorn on 127.0.0.1 only.

    GET  /                 start: the three questions, or the three steps before a first check
    GET  /downloads        the chosen downloads, a box to type or paste paths, a folder list
    POST /downloads/add    add paths (typed, pasted, or chosen in the folder list)
    POST /downloads/remove
    GET  /profile          the profile form (auditor.toml, through auditor.config)
    POST /profile
    POST /folder           keep the files in another folder
    POST /scan/start       start a check in the background (auditor.app.scans)
    GET  /scan             its progress (the page polls /scan/status; without script it reloads)
    GET  /scan/status      JSON: stage, counts, percent, time left
    POST /scan/cancel
    GET  /findings         every flagged post, new since last time first, with a decision form
    POST /decide           one decision (delete / keep / not a problem / later) and a note, saved
                           to the decisions file at once
    GET  /checklist.csv    the deletion checklist (findings.csv), as a download
    GET  /report           the static report (report.html) of the latest check
    GET  /static/{name}    the app's own CSS and script (a fixed list)
    POST /stop             stop the app
"""
from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import webbrowser
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urlsplit

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from .. import __version__
from .. import baseline as baseline_mod
from ..config import ConfigError
from . import forms, pages, scans, seams
from .security import Guard, Secrets
from .workspace import FolderError, Workspace

REPORT_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
              "form-action 'none'; base-uri 'none'; frame-ancestors 'none'; "
              "sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox")


class StartError(Exception):
    """The app cannot start (the port is taken, the folder is unusable); the message says why."""


class App:
    """The state behind the routes: the person's workspace, the secrets of this run, the current
    check, and how to stop the server."""

    def __init__(self, workspace: Workspace, keys: Secrets, stop: Callable[[], None] = lambda: None,
                 now: Any = None, analysers: Any = None):
        self.workspace = workspace
        self.keys = keys
        self.stop = stop
        self.now = now                     # a fixed clock for tests (AUDITOR_NOW)
        self.analysers = analysers         # None: the pipeline's own; tests pass cheap ones
        self.job: scans.ScanJob | None = None
        self.stopped = threading.Event()

    # -- helpers ----------------------------------------------------------------------------------
    def form(self, request: Request) -> dict[str, list[str]]:
        return request.scope.get("state", {}).get("form", {})

    def page(self, name: str, request: Request, status: int = 200, **context: Any) -> HTMLResponse:
        ws = self.workspace
        base = {"csrf": self.keys.csrf, "folder": str(ws.folder), "path": request.url.path, "version": __version__,
                "has_result": ws.result is not None, "running": bool(self.job and self.job.running
                                                                      and self.job.state == "running")}
        return HTMLResponse(pages.render(name, **base, **context), status_code=status)

    def decide_form(self) -> dict:
        return {"action": "/decide", "token": self.keys.csrf, "choices": seams.decision_choices()}

    # -- start ------------------------------------------------------------------------------------
    async def start(self, request: Request) -> Response:
        ws = self.workspace
        view = seams.view(ws.result) if ws.result is not None else None
        first = None
        if view is not None:
            first = next((c for s in new_first(view["sections"]) if s["key"] != "decided" for c in s["cards"]), None)
        cfg_problem = ws.config_problem()
        try:
            cfg = ws.load_config()
        except ConfigError:
            cfg = None
        checks = ws.earlier_checks()
        return self.page("start.html.j2", request, view=view, first=first, decide=self.decide_form(),
                         changes=ws.changes, downloads=ws.downloads(), profile_done=bool(cfg and forms.filled_in(cfg)),
                         config_problem=cfg_problem, last_check=checks[-1] if checks else None,
                         report_ready=(ws.paths.report / "report.html").exists())

    # -- downloads --------------------------------------------------------------------------------
    async def downloads(self, request: Request, error: str | None = None, added: list[str] | None = None,
                        status: int = 200) -> Response:
        listing = forms.browse(request.query_params.get("dir"), Path.home())
        return self.page("downloads.html.j2", request, status=status, downloads=self.workspace.downloads(),
                         browse=listing, error=error, added=added or [], quote=quote)

    async def add_downloads(self, request: Request) -> Response:
        form = self.form(request)
        raw = [line for value in form.get("paths", []) + form.get("path", []) for line in value.splitlines()]
        chosen = self.workspace.downloads()
        problems, added = [], []
        for line in raw:
            path, problem = forms.check_download(line, self.workspace.folder)
            if problem:
                problems.append(problem)
            elif path and path not in chosen:
                chosen.append(path)
                added.append(path)
        if not raw or not any(line.strip() for line in raw):
            problems.append("Type or paste the path of a download first, or choose one in the folder list.")
        if added:
            self.workspace.set_downloads(chosen)
        back = forms.one(form, "dir")
        if problems:
            request.scope["query_string"] = (b"dir=" + quote(back).encode()) if back else b""
            return await self.downloads(request, error=" ".join(problems), added=added, status=400)
        # back to the folder list where the person was choosing, or to the list of chosen downloads
        return RedirectResponse(f"/downloads?dir={quote(back)}#find" if back else "/downloads#chosen", status_code=303)

    async def remove_download(self, request: Request) -> Response:
        path = forms.one(self.form(request), "path")
        chosen = self.workspace.downloads()
        if path in chosen:
            chosen.remove(path)
            self.workspace.set_downloads(chosen)
        return RedirectResponse("/downloads", status_code=303)

    # -- profile ----------------------------------------------------------------------------------
    async def profile(self, request: Request) -> Response:
        ws = self.workspace
        problem = None
        try:
            cfg = ws.load_config()
        except ConfigError as exc:
            problem = (f"Your profile file has a mistake, so it is not used: {exc}. Fill in the form and "
                       "save it to replace the file.")
            from ..config import Config
            cfg = Config()
        return self.page("profile.html.j2", request, values=forms.fields(cfg), regulators=forms.REGULATORS,
                         problems=[problem] if problem else [], saved=request.query_params.get("saved") == "1",
                         config_path=str(ws.paths.config))

    async def save_profile(self, request: Request) -> Response:
        ws = self.workspace
        form = self.form(request)
        try:
            current = ws.load_config()
        except ConfigError:
            from ..config import Config
            current = Config()
        try:
            cfg = forms.config_from_form(form, current)
            text = seams.profile_text(cfg)
        except forms.FormError as exc:
            return self.page("profile.html.j2", request, status=400, values=forms.fields_from_form(form),
                             regulators=forms.REGULATORS, problems=exc.problems, saved=False,
                             config_path=str(ws.paths.config))
        except ConfigError as exc:
            return self.page("profile.html.j2", request, status=400, values=forms.fields_from_form(form),
                             regulators=forms.REGULATORS, problems=[f"This could not be saved: {exc}."],
                             saved=False, config_path=str(ws.paths.config))
        ws.save_config_text(text)
        return RedirectResponse("/profile?saved=1", status_code=303)

    # -- folder -----------------------------------------------------------------------------------
    async def change_folder(self, request: Request) -> Response:
        if self.job is not None and self.job.running:
            return self.page("message.html.j2", request, status=409, title="A check is running",
                             message="Wait for the check to finish, or cancel it, before you move your files.",
                             back="/scan")
        try:
            from .workspace import remember_folder
            self.workspace.move_to(forms.one(self.form(request), "folder"))
            remember_folder(self.workspace.folder)
        except FolderError as exc:
            return self.page("message.html.j2", request, status=400, title="That folder cannot be used",
                             message=str(exc), back="/")
        return RedirectResponse("/", status_code=303)

    # -- scan -------------------------------------------------------------------------------------
    async def start_scan(self, request: Request) -> Response:
        ws = self.workspace
        if self.job is not None and self.job.running:
            if self.job.state == "running":
                return RedirectResponse("/scan", status_code=303)
            return self.page("message.html.j2", request, status=409, title="The last check is still stopping",
                             message="It stops at its next step. Try again in a few seconds.", back="/")
        paths = ws.downloads()
        if not paths:
            return self.page("message.html.j2", request, status=400, title="Choose your downloads first",
                             message="There is nothing to check yet: choose the files you downloaded from "
                                     "your social media accounts.", back="/downloads")
        for p in paths:
            _, problem = forms.check_download(p, ws.folder)
            if problem:
                return self.page("message.html.j2", request, status=400, title="A download cannot be read",
                                 message=problem, back="/downloads")
        try:
            cfg = ws.load_config()
        except ConfigError as exc:
            return self.page("message.html.j2", request, status=400, title="Your profile has a mistake",
                             message=f"{exc}. Correct it on the profile page, then start the check again.",
                             back="/profile")
        self.job = scans.ScanJob(ws, paths, cfg, now=self.now, analysers=self.analysers).start()
        return RedirectResponse("/scan", status_code=303)

    async def scan_page(self, request: Request) -> Response:
        if self.job is None:
            return RedirectResponse("/", status_code=303)
        return self.page("scan.html.j2", request, job=self.job.snapshot(), paths=self.job.paths)

    async def scan_status(self, request: Request) -> Response:
        if self.job is None:
            return JSONResponse({"state": "none"})
        return JSONResponse(self.job.snapshot())

    async def cancel_scan(self, request: Request) -> Response:
        if self.job is not None:
            self.job.cancel()
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse(self.job.snapshot() if self.job else {"state": "none"})
        return RedirectResponse("/scan", status_code=303)

    # -- findings and decisions -------------------------------------------------------------------
    async def findings(self, request: Request) -> Response:
        ws = self.workspace
        if ws.result is None:
            return self.page("message.html.j2", request, title="No check yet",
                             message="Start a check to see your posts here."
                             + (" Your last report is still there: open it from the start page."
                                if (ws.paths.report / "report.html").exists() else ""), back="/")
        view = seams.view(ws.result)
        sections = new_first(view["sections"])
        return self.page("findings.html.j2", request, view=view, sections=sections, changes=ws.changes,
                         decide=self.decide_form(), cards_html=seams.render_findings(view, sections,
                                                                                     self.decide_form()))

    async def decide(self, request: Request) -> Response:
        form = self.form(request)
        ids = [i for i in " ".join(form.get("ids", [])).split() if i]
        decision = forms.one(form, "decision")
        note = form["note"][0] if "note" in form else None
        wants_json = "application/json" in request.headers.get("accept", "")
        if decision not in dict(seams.decision_choices()) and decision != "new":
            message = "Choose delete, keep, not a problem or later."
            return (JSONResponse({"ok": False, "message": message}, status_code=400) if wants_json
                    else PlainTextResponse(message, status_code=400))
        try:
            entries = self.workspace.decide(ids, decision, note)
        except baseline_mod.BaselineError as exc:
            return (JSONResponse({"ok": False, "message": str(exc)}, status_code=400) if wants_json
                    else PlainTextResponse(str(exc), status_code=400))
        except OSError as exc:
            message = f"Your decision could not be saved: {exc.strerror or exc}."
            return (JSONResponse({"ok": False, "message": message}, status_code=500) if wants_json
                    else PlainTextResponse(message, status_code=500))
        status = entries[0].status if entries else "new"
        label = seams.status_label(status)
        if wants_json:
            return JSONResponse({"ok": True, "status": status, "status_label": label,
                                 "note": entries[0].note if entries else "",
                                 "message": f"Saved: {label[0].lower() + label[1:]}."})
        back = urlsplit(request.headers.get("referer", "")).path
        back = back if back in ("/", "/findings") else "/findings"
        result = self.workspace.result
        ref = next((f.post_ref for f in result.findings if f.id == ids[0]), "") if result else ""
        return RedirectResponse(back + (f"#{seams.anchor(ref)}" if ref and back == "/findings" else ""),
                                status_code=303)

    # -- files of the latest check ----------------------------------------------------------------
    async def checklist(self, request: Request) -> Response:
        folder = self.workspace.write_outputs()
        path = folder / "findings.csv"
        if not path.is_file():
            raise HTTPException(404)
        return Response(path.read_bytes(), media_type="text/csv; charset=utf-8",
                        headers={"content-disposition": 'attachment; filename="footprint-checklist.csv"'})

    async def static_report(self, request: Request) -> Response:
        folder = self.workspace.write_outputs()
        path = folder / "report.html"
        if not path.is_file():
            raise HTTPException(404)
        return HTMLResponse(path.read_text(encoding="utf-8"), headers={"content-security-policy": REPORT_CSP})

    async def static(self, request: Request) -> Response:
        item = pages.static_files().get(request.path_params["name"])
        if item is None:
            raise HTTPException(404)
        body, ctype = item
        return Response(body, media_type=ctype, headers={"cache-control": "no-cache"})

    # -- stop -------------------------------------------------------------------------------------
    async def stop_app(self, request: Request) -> Response:
        if self.job is not None:
            self.job.cancel()
        self.stopped.set()
        html = pages.render("stopped.html.j2", csrf="", folder=str(self.workspace.folder))
        return HTMLResponse(html, background=BackgroundTask(self.stop))

    async def not_found(self, request: Request, exc: Exception) -> Response:
        code = getattr(exc, "status_code", 404)
        return self.page("message.html.j2", request, status=code, title="Page not found" if code == 404
                         else "That did not work", message="There is no such page in the app.", back="/")


def new_first(sections: list[dict]) -> list[dict]:
    """The sections with the posts new since the last check taken out into their own first section:
    a second visit starts with what changed."""
    new = [c for s in sections if s["key"] != "decided" for c in s["cards"] if c.get("new_since_last")]
    if not new:
        return sections
    rest = []
    for s in sections:
        cards = [c for c in s["cards"] if c not in new]
        rest.append({**s, "cards": cards, "count": len(cards)})
    return [{"key": "new", "title": "New since your last check", "count": len(new), "cards": new,
             "intro": "These posts were not in your last check. Decide about them first."}, *rest]


def create_app(workspace: Workspace, keys: Secrets, stop: Callable[[], None] = lambda: None,
               now: Any = None, analysers: Any = None) -> Guard:
    state = App(workspace, keys, stop, now, analysers)
    routes = [
        Route("/", state.start, methods=["GET"]),
        Route("/downloads", state.downloads, methods=["GET"]),
        Route("/downloads/add", state.add_downloads, methods=["POST"]),
        Route("/downloads/remove", state.remove_download, methods=["POST"]),
        Route("/profile", state.profile, methods=["GET"]),
        Route("/profile", state.save_profile, methods=["POST"]),
        Route("/folder", state.change_folder, methods=["POST"]),
        Route("/scan/start", state.start_scan, methods=["POST"]),
        Route("/scan", state.scan_page, methods=["GET"]),
        Route("/scan/status", state.scan_status, methods=["GET"]),
        Route("/scan/cancel", state.cancel_scan, methods=["POST"]),
        Route("/findings", state.findings, methods=["GET"]),
        Route("/decide", state.decide, methods=["POST"]),
        Route("/checklist.csv", state.checklist, methods=["GET"]),
        Route("/report", state.static_report, methods=["GET"]),
        Route("/static/{name}", state.static, methods=["GET"]),
        Route("/stop", state.stop_app, methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={404: state.not_found, 405: state.not_found})
    app.state.app = state
    guard = Guard(app, keys)
    guard.state = state  # type: ignore[attr-defined]
    return guard


# -- running it -------------------------------------------------------------------------------------
def bind(port: int | None) -> socket.socket:
    """A listening socket on 127.0.0.1 (never another interface): the given port, or a free one."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port or 0))
        sock.listen(64)
    except OSError as exc:
        sock.close()
        if port:
            raise StartError(f"port {port} is in use or not allowed ({exc.strerror}); leave out --port to "
                             "use a free one.") from None
        raise StartError(f"could not open a port on 127.0.0.1 ({exc.strerror}).") from None
    sock.set_inheritable(True)
    return sock


def has_display() -> bool:
    """Whether a graphical browser can open here. Without a desktop (a server, a text console) the
    standard library would start a text browser in this terminal: print the address only."""
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def fixed_now():
    from datetime import datetime, timezone
    value = os.environ.get("AUDITOR_NOW")
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        raise StartError(f"AUDITOR_NOW={value!r}: expected an ISO date-time such as 2026-11-21T00:00:00Z") from None


def run(open_browser: bool = True, port: int | None = None, folder: str | None = None) -> None:
    """Serve until Ctrl-C or the Stop button. The first line on stdout is the address to open."""
    import uvicorn

    from .workspace import default_folder, remembered_folder

    try:
        workspace = Workspace(folder or remembered_folder() or default_folder())
    except FolderError as exc:
        raise StartError(str(exc)) from None
    now = fixed_now()
    sock = bind(port)
    keys = Secrets(port=sock.getsockname()[1])
    server: uvicorn.Server | None = None

    def stop() -> None:
        if server is not None:
            server.should_exit = True
    app = create_app(workspace, keys, stop, now)
    config = uvicorn.Config(app, log_level="warning", access_log=False, proxy_headers=False, server_header=False,
                            date_header=False, lifespan="off", http="h11", ws="none", loop="asyncio",
                            timeout_graceful_shutdown=3, timeout_keep_alive=5)
    server = uvicorn.Server(config)
    url = keys.url()
    print(url, flush=True)
    print("Footprint Auditor is running on this computer only. Open the address above in your browser "
          "if it did not open by itself.\nYour files are kept in "
          f"{workspace.folder}. Stop the app with the Stop button on its page, or Ctrl-C here.",
          file=sys.stderr, flush=True)
    if open_browser and has_display():
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

    def terminated(signum, frame):            # uvicorn re-raises SIGTERM after its clean shutdown
        raise KeyboardInterrupt
    previous = signal.signal(signal.SIGTERM, terminated) if threading.current_thread() is threading.main_thread() \
        else None
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print("Footprint Auditor has stopped.", file=sys.stderr, flush=True)
