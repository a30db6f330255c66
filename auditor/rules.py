"""The rule catalogue. IDs are stable and never reused: retire a rule by moving it to RETIRED.

Each rule has a readable name, a category and severity (DESIGN.md vocabularies), a suggested
action, and doc sections: what it flags, why it matters, an example, how to fix.

Rules are declared beside their checks: every analyser module (see auditor/plugins.py) may define
a RULES list, and the catalogue gathers them. RULES below holds the rules whose modules have not
yet moved theirs next to the check (the text rules live in auditor/analysers/text/, one module per
concern).
"""
from __future__ import annotations

from .model import ACTIONS, CATEGORIES, SEVERITIES, Rule

RULES: list[Rule] = [
    # --- location and image rules (auditor/analysers/locations.py, images.py) ---------------
    Rule("GEO001", "platform-location", "location", "medium", "edit",
         "The platform stored an exact location with this post.",
         what="Posts, check-ins and photos for which the platform kept coordinates or a tagged place "
              "(tweet coordinates, Facebook and Instagram location data, check-ins).",
         why="A location attached to a post can show where you work, live or visited a service user, "
             "and together with other details can identify people in your care.",
         example="A tweet sent with precise location turned on from the car park of the ambulance station.",
         fix="Remove the location from the post (edit) or delete the post; turn off location tagging "
             "in the app's settings."),
    Rule("GEO002", "photo-file-gps", "location", "medium", "edit",
         "The photo file itself carries the GPS position where it was taken.",
         what="Images whose EXIF or XMP metadata holds a GPS latitude and longitude (JPEG, HEIC, TIFF, "
              "WebP, PNG). A GPS block with no usable position (0,0 or one coordinate) is not flagged.",
         why="Anyone who downloads the file can read where it was taken: a workplace, your home, or the "
             "home of someone you visited. Location can identify people in your care.",
         example="A camera-roll photo of a garden taken on a home visit, with the GPS position of the "
                 "house in its metadata.",
         fix="Delete the post, or re-upload a copy with location removed (most phones offer 'remove "
             "location' when sharing); turn off location in the camera app."),
    Rule("GEO003", "at-home-location", "location", "medium", "edit",
         "The post or photo was made at or near your home area (privacy warning).",
         what="Posts and photos whose position (platform location or photo GPS) falls within the radius "
              "of the home area set in your profile.",
         why="A public position near your home lets people find where you live; service users and "
             "people with a grievance could use it. It is a risk to you more than a breach.",
         example="A tweet sent with precise location from your street, or a photo of your garden with GPS.",
         fix="Remove the location from the post or delete it; keep location tagging off at home."),
    Rule("WRK001", "at-workplace-location", "workplace", "medium", "review",
         "The post or photo was made at or near one of your workplaces.",
         what="Posts and photos whose position (platform location or photo GPS) falls within a "
              "workplace's radius from your profile, or just outside it (near).",
         why="Posts from work can show patients, colleagues, records or secure areas, and link what you "
             "say to your employer; standards expect you to keep confidentiality and act professionally "
             "when you can be identified as a registrant.",
         example="A photo taken in the ambulance station's bay, with GPS, posted after a shift.",
         fix="Check the post for people, screens, paperwork and badges; delete it if any could identify "
             "someone, otherwise remove the location."),
    Rule("WRK002", "workplace-cues-in-photo", "workplace", "medium", "review",
         "A photo shows signs of your workplace or uniform (caption words, text in the image).",
         what="Photos whose caption says you are at work or in uniform ('on shift', 'in my scrubs'), or "
              "whose readable text (OCR) shows NHS, trust, hospital, ward, ambulance, badge or lanyard "
              "words or your employer's name. The explanation lists every cue found.",
         why="Photos in uniform or at work identify you as a registrant and your employer; staff "
             "guidance commonly asks for no identifiable uniform pictures, and the background can show "
             "patients, records or whiteboards.",
         example="A selfie captioned 'end of a long one in my greens' with a trust lanyard readable.",
         fix="Delete the photo, or crop out badges, lanyards, logos, screens and other people and "
             "repost without the workplace detail."),
    Rule("CONF101", "repeated-private-location", "confidentiality", "high", "review",
         "Several posts or photos come from one private address that is neither home nor work.",
         what="Groups of three or more posts or photos with exact positions within about 50 m of each "
              "other on at least two different days, away from your home and workplaces (for example "
              "repeated home visits).",
         why="Repeated posts from one private address can reveal where a service user lives and that "
             "they receive care: a breach of confidentiality even when nobody is named.",
         example="Three photos with GPS from the same cul-de-sac on different weekdays while on community "
                 "visits.",
         fix="Review each post: delete those taken on visits, and remove location from the rest. If the "
             "place is yours (a relative, a gym), add it to your profile so it is not flagged again."),
    Rule("CONF102", "people-in-work-photo", "confidentiality", "medium", "review",
         "A photo with workplace cues may show other people's faces.",
         what="Photos that have a workplace cue (location, caption or text in the image) and in which "
              "face detection found one or more possible faces. Face detection is a weak signal: it "
              "can miss faces and can mistake patterns for faces.",
         why="Patients, service users and colleagues photographed at work have not consented to being "
             "posted; an identifiable face in a care setting breaches confidentiality.",
         example="A team photo on the ward with a patient visible in a bed behind the group.",
         fix="Delete the photo unless everyone in it agreed and nobody receiving care can be seen; blur "
             "or crop faces otherwise."),
]

RETIRED: dict[str, str] = {   # id -> why it was retired (IDs are never reused)
    "DIS003": "Retired in issue 13: civil political or religious opinion is protected expression, not "
              "discrimination (docs/policy.md). Contempt for a group is DIS002; opinion as such is not flagged.",
}

_BY_ID: dict[str, Rule] = {}      # filled on first use (tests may add entries before that)
_loaded = False


def _declared() -> list[Rule]:
    """RULES here plus every analyser module's RULES, in declaration order (duplicates kept, so
    that validate() can report them)."""
    from .plugins import analyser_modules   # the analysers import this module: resolve lazily
    out = list(RULES)
    for mod in analyser_modules():
        out.extend(getattr(mod, "RULES", []))
    return out


def _ensure() -> None:
    global _loaded
    if not _loaded:
        for r in _declared():
            _BY_ID.setdefault(r.id, r)
        _loaded = True


def get(rule_id: str) -> Rule:
    _ensure()
    return _BY_ID[rule_id]


def all_rules() -> list[Rule]:
    _ensure()
    by_id = {r.id: r for r in _declared()}
    return sorted(by_id.values(), key=lambda r: r.id)


def validate() -> list[str]:
    """Catalogue consistency errors (used by the tests)."""
    errors = []
    seen = set()
    for r in _declared():
        if r.id in seen or r.id in RETIRED:
            errors.append(f"{r.id}: duplicate or reused id")
        seen.add(r.id)
        if r.category not in CATEGORIES:
            errors.append(f"{r.id}: unknown category {r.category}")
        if r.severity not in SEVERITIES:
            errors.append(f"{r.id}: unknown severity {r.severity}")
        if r.action not in ACTIONS:
            errors.append(f"{r.id}: unknown action {r.action}")
        for part in ("summary", "what", "why", "example", "fix"):
            if not getattr(r, part).strip():
                errors.append(f"{r.id}: empty doc section {part}")
    return errors


def as_markdown() -> str:
    """docs/rules.md is generated from this (a test keeps them equal)."""
    lines = ["# Rule catalogue", "", "Generated by `auditor rules --markdown`; do not edit by hand.", ""]
    for r in all_rules():
        lines += [f"## {r.id} {r.name}", "",
                  f"Category: {r.category}. Severity: {r.severity}. Suggested action: {r.action}.", "",
                  r.summary, "",
                  f"**What it flags.** {r.what}", "",
                  f"**Why it matters.** {r.why}", "",
                  f"**Example.** {r.example}", "",
                  f"**How to fix.** {r.fix}", ""]
    return "\n".join(lines)
