"""What the app's forms send, turned into what the tool reads: paths to downloads, and the profile
(checked by auditor.config, the same checks as `auditor scan --config`). Every problem comes back
as a sentence for the person, naming the field."""
from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Mapping, Sequence
from urllib.parse import unquote, urlsplit

from .. import config as config_mod
from ..config import Config, ConfigError

Form = Mapping[str, Sequence[str]]
REGULATORS = getattr(config_mod, "REGULATORS", None) or {
    "HCPC": "Health and Care Professions Council", "NMC": "Nursing and Midwifery Council",
    "GMC": "General Medical Council", "GPhC": "General Pharmaceutical Council",
    "GDC": "General Dental Council", "SWE": "Social Work England"}
EMPTY_ROWS = 2            # blank workplace rows offered under the filled ones
MAX_ROWS = 20


class FormError(Exception):
    """What is wrong with what the person typed (one sentence per problem)."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def one(form: Form, key: str, default: str = "") -> str:
    values = form.get(key) or [default]
    return values[0]


# -- downloads ------------------------------------------------------------------------------------
def clean_path(raw: str) -> str:
    """A path as a person pastes it: quoted, a file:// address, ~ for home."""
    s = raw.strip().strip("\"'").strip()
    if s.lower().startswith("file://"):
        s = unquote(urlsplit(s).path)
    return os.path.expanduser(s) if s else ""


def check_download(path: str, folder: Path) -> tuple[str | None, str | None]:
    """(the path to scan, None) or (None, what is wrong with it). A download is a zip file or a
    folder; the app's own folder cannot be inside it (nothing is ever written into a download)."""
    shown = path
    p = Path(clean_path(path))
    if not str(p) or str(p) == ".":
        return None, None
    if not p.is_absolute():
        return None, (f"{shown}: write the whole path, starting with / or ~ (for example "
                      "~/Downloads/twitter-2026-11-01.zip), or use the folder list below.")
    p = Path(os.path.normpath(p))
    if not p.exists():
        return None, f"{p}: there is nothing there. Check the spelling, or use the folder list below."
    if p.is_dir():
        try:
            if folder.resolve().is_relative_to(p.resolve()):
                return None, (f"{p}: the app keeps your files inside this folder ({folder}). Choose the "
                              "download itself, or keep your files in another folder.")
        except OSError:
            pass
        return str(p), None
    if p.suffix.lower() != ".zip":
        return None, (f"{p}: this is not a zip file or a folder. Choose the zip file you downloaded, or "
                      "the folder you unpacked it into.")
    return str(p), None


def browse(folder: str | None, home: Path) -> dict:
    """What the folder list shows: the folder's sub-folders and zip files (names only; hidden
    ones left out), and the shortcuts. Nothing is opened but the folder listing."""
    error = None
    p = Path(clean_path(folder)) if folder else home
    if not p.is_absolute():
        p = home
    p = Path(os.path.normpath(p))
    if not p.is_dir():
        error = f"{p} is not a folder you can open here."
        p = home
    dirs: list[dict] = []
    zips: list[dict] = []
    more = 0
    try:
        with os.scandir(p) as it:
            entries = sorted(it, key=lambda e: e.name.casefold())
    except OSError as exc:
        error = f"{p} could not be opened ({exc.strerror or 'not allowed'})."
        entries = []
    for e in entries:
        if e.name.startswith("."):
            continue
        try:
            is_dir = e.is_dir()
            is_zip = not is_dir and e.is_file() and e.name.lower().endswith(".zip")
        except OSError:
            continue
        if not (is_dir or is_zip):
            continue
        if len(dirs) + len(zips) >= 500:
            more += 1
            continue
        (dirs if is_dir else zips).append({"name": e.name, "path": str(p / e.name)})
    shortcuts = [{"label": "Your home folder", "path": str(home)}]
    for name in ("Downloads", "Desktop", "Documents"):
        if (home / name).is_dir():
            shortcuts.append({"label": name, "path": str(home / name)})
    for media in (Path("/media") / home.name, Path("/run/media") / home.name, Path("/media")):
        if media.is_dir():
            shortcuts.append({"label": "Memory sticks and drives", "path": str(media)})
            break
    return {"dir": str(p), "parent": str(p.parent) if p.parent != p else None, "dirs": dirs, "zips": zips,
            "more": more, "error": error, "shortcuts": shortcuts}


# -- the profile ----------------------------------------------------------------------------------
def _list(text: str) -> list[str]:
    return [x.strip() for x in re.split(r"[\n,;]", text or "") if x.strip()]


_NUMBER = r"[-+]?\d{1,3}(?:\.\d+)?"
_POSITION = re.compile(rf"({_NUMBER})\s*[,; ]\s*({_NUMBER})")


def position(text: str, what: str) -> tuple[float, float] | None:
    """"53.8008, -1.5491" (or a map address holding "@53.8008,-1.5491") -> (lat, lon)."""
    t = (text or "").strip()
    if not t:
        return None
    m = re.search(rf"@({_NUMBER}),({_NUMBER})", t) or _POSITION.fullmatch(t) or _POSITION.search(t)
    if not m:
        raise FormError([f"The position of {what} should be two numbers, latitude then longitude, like "
                         "53.8008, -1.5491."])
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise FormError([f"The position of {what} is not on the map: latitude goes from -90 to 90 and "
                         "longitude from -180 to 180."])
    return lat, lon


def _radius(text: str, what: str, default: float) -> float:
    t = (text or "").strip().lower().removesuffix("m").removesuffix("metres").strip()
    if not t:
        return default
    try:
        r = float(t)
    except ValueError:
        raise FormError([f"The distance around {what} should be a number of metres, like 250."]) from None
    if not 1 <= r <= 100_000:
        raise FormError([f"The distance around {what} should be from 1 to 100000 metres."])
    return r


def fields(cfg: Config) -> dict:
    """The form's values for a profile."""
    p, s = cfg.profile, cfg.settings

    def pos(lat, lon) -> str:
        return f"{lat:g}, {lon:g}" if lat is not None and lon is not None else ""
    rows = [{"name": w.name, "position": pos(w.lat, w.lon), "radius": f"{w.radius_m:g}"} for w in p.workplaces]
    rows += [{"name": "", "position": "", "radius": ""} for _ in range(EMPTY_ROWS)]
    home = p.home
    return {"full_name": p.full_name, "aliases": "\n".join(p.aliases), "handles": "\n".join(p.handles),
            "profession": p.profession, "regulator": p.regulator, "employer": p.employer,
            "employer_aliases": "\n".join(p.employer_aliases), "workplaces": rows,
            "home_name": home.name if home else "", "home_position": pos(home.lat, home.lon) if home else "",
            "home_radius": f"{home.radius_m:g}" if home else "",
            "include_messages": s.include_messages, "ocr": s.ocr, "redact": s.redact}


def fields_from_form(form: Form) -> dict:
    """The form's values as sent (to show them again beside an error)."""
    names, positions, radii = form.get("wp_name", []), form.get("wp_position", []), form.get("wp_radius", [])
    rows = [{"name": n, "position": positions[i] if i < len(positions) else "",
             "radius": radii[i] if i < len(radii) else ""} for i, n in enumerate(names[:MAX_ROWS])]
    rows += [{"name": "", "position": "", "radius": ""} for _ in range(max(0, EMPTY_ROWS - sum(
        1 for r in rows if not any(r.values()))))]
    return {"full_name": one(form, "full_name"), "aliases": one(form, "aliases"), "handles": one(form, "handles"),
            "profession": one(form, "profession"), "regulator": one(form, "regulator", "HCPC"),
            "employer": one(form, "employer"), "employer_aliases": one(form, "employer_aliases"),
            "workplaces": rows, "home_name": one(form, "home_name"), "home_position": one(form, "home_position"),
            "home_radius": one(form, "home_radius"), "include_messages": one(form, "include_messages") == "yes",
            "ocr": one(form, "ocr", "auto"), "redact": one(form, "redact") == "yes"}


def config_from_form(form: Form, current: Config) -> Config:
    """The profile the form describes, checked by auditor.config (FormError with sentences)."""
    problems: list[str] = []
    profile: dict = {
        "full_name": one(form, "full_name").strip(), "aliases": _list(one(form, "aliases")),
        "handles": _list(one(form, "handles")), "profession": one(form, "profession").strip(),
        "regulator": one(form, "regulator", "HCPC").strip() or "HCPC", "employer": one(form, "employer").strip(),
        "employer_aliases": _list(one(form, "employer_aliases")),
    }
    if profile["regulator"] not in REGULATORS:
        problems.append(f"Choose your regulator from the list ({', '.join(REGULATORS)}).")
    workplaces = []
    v = fields_from_form(form)
    for i, row in enumerate(v["workplaces"]):
        name = row["name"].strip()
        if not (name or row["position"].strip() or row["radius"].strip()):
            continue
        what = name or f"workplace {i + 1}"
        try:
            pos = position(row["position"], what)
            if pos is None:
                raise FormError([f"Give the position of {what} (latitude, longitude), or leave the whole row "
                                 "empty."])
            workplaces.append({"name": name or what, "lat": pos[0], "lon": pos[1],
                               "radius_m": _radius(row["radius"], what, 250.0)})
        except FormError as exc:
            problems += exc.problems
    if workplaces:
        profile["workplaces"] = workplaces
    if v["home_position"].strip() or v["home_name"].strip():
        try:
            pos = position(v["home_position"], "your home area")
            if pos is None:
                raise FormError(["Give the position of your home area (latitude, longitude), or leave it empty."])
            profile["home"] = {"name": v["home_name"].strip() or "home", "lat": pos[0], "lon": pos[1],
                               "radius_m": _radius(v["home_radius"], "your home area", 300.0)}
        except FormError as exc:
            problems += exc.problems
    ocr = v["ocr"] if v["ocr"] in ("auto", "all", "off") else "auto"
    if problems:
        raise FormError(problems)
    data = {"profile": profile,
            "scan": {"include_messages": v["include_messages"], "ocr": ocr, "redact": v["redact"]}}
    try:
        cfg = config_mod.parse(data)
    except ConfigError as exc:
        raise FormError([f"This could not be saved: {exc}."]) from None
    keep = current.settings     # settings the form does not show stay as they were
    return replace(cfg, settings=replace(cfg.settings, nlp_model=keep.nlp_model, fast_numpy_ops=keep.fast_numpy_ops))


def filled_in(cfg: Config) -> bool:
    p = cfg.profile
    return bool(p.full_name or p.handles or p.employer or p.workplaces)
