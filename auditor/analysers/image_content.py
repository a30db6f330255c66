"""What a photo shows, judged in its context: uniforms and badges, clinical images, alcohol, drugs,
weapons and nudity.

``vision.VisionModel.analyse(image)`` says what the picture looks like (calibrated probabilities,
the kind of clinical image, the top ImageNet labels). ``judge(result, cues)`` turns that into
findings, using what else is known about the same post (``ImageCues``): the caption, the words read
from the image, the number of possible faces, whether it was taken at a workplace or at home.
``judge`` is pure (no I/O, no model): the image analyser calls it once per image.

Rules of judgement:
- one finding per concern per image;
- combined cues raise or lower confidence: a uniform with the employer, a ward or a trust named
  in the caption or on a badge is stronger than the picture alone; a clinical image with a name,
  a date or a hospital number in the picture is stronger; "my own X-ray" in the caption is weaker
  (the user's own health, not a patient's);
- ambiguity: a picture that scores as both a clinical image and nudity (a wound or a skin
  condition often does) goes to the more likely of the two, never both;
- explanations are plain words ("This photo looks like an X-ray"), never a score.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from ..model import Finding, Post, Rule
from .vision import VisionResult

RULES = [
    Rule("WRK003", "uniform-or-badge-in-photo", "workplace", "medium", "review",
         "The photo seems to show a work uniform, a lab coat, scrubs or a staff badge.",
         what="Photos in which the picture itself looks like a person in uniform or workwear (scrubs, "
              "tunic, lab coat, paramedic or police-style uniform, protective vest) or a staff badge. "
              "It is stronger when the caption or the words on the photo name a hospital, trust, ward or "
              "your employer, or when the photo was taken at one of your workplaces.",
         why="A photo in uniform identifies you as a registrant and often your employer; employers' social "
             "media policies commonly ask staff not to post identifiable uniform photos, and whatever is "
             "behind you (patients, records, screens) goes with it.",
         example="A selfie in scrubs in the staff room, captioned 'last night shift on the unit done'.",
         fix="Delete the photo, or crop out the uniform, badge, lanyard and logos before sharing it again."),
    Rule("CONF103", "clinical-image", "confidentiality", "high", "delete",
         "The photo looks like a clinical image: an X-ray, scan, ECG, slide, wound or visible condition.",
         what="Photos that look like a medical image: X-rays (including dental films), CT or MRI scans, "
              "ultrasound scans, ECG traces, microscope slides of tissue or blood, and wounds or visible "
              "conditions. It is stronger when a name, a date or a hospital number can be read in the "
              "image, and weaker when the caption says it is your own.",
         why="Images relating to assessments or diagnostics are confidential health information: even "
             "without a name, the body part, the finding, the date and the place can identify the "
             "patient to someone who knows them. Sharing them without consent breaches confidentiality.",
         example="A phone photo of an interesting chest X-ray on the department screen, posted with "
                 "'you don't see this every day!'.",
         fix="Delete the post. Use your organisation's approved, consented and anonymised routes for "
             "teaching cases."),
    Rule("CND004", "alcohol-in-photo", "conduct", "low", "review",
         "The photo seems to show alcoholic drinks.",
         what="Photos that look like beer, wine, spirits or cocktails. On its own this is low: having a "
              "drink is lawful. It matters with other cues (a uniform, a workplace, a caption about "
              "being drunk or about a shift), and then the finding is raised.",
         why="Conduct outside work must justify public trust; photos of heavy drinking, drinking in "
             "uniform or near a shift have been raised in fitness-to-practise cases.",
         example="A photo of a table of shots captioned 'pre-drinks before the night shift'.",
         fix="Review; delete photos that show drunkenness, drinking in uniform or drinking around work."),
    Rule("CND005", "drugs-in-photo", "conduct", "high", "review",
         "The photo may show drugs or drug paraphernalia.",
         what="Photos that may show illegal drugs or paraphernalia. The picture alone is a weak cue (a "
              "syringe is normal equipment at work), so it is only flagged with low confidence unless "
              "the caption or the words in the photo point at drug use; clinical settings lower it.",
         why="Illegal drug use is a conduct matter that regulators treat seriously; a photo that merely "
             "suggests it can still damage trust in you.",
         example="A photo of rolled cigarettes and a grinder captioned 'sorted for the weekend'.",
         fix="Delete photos that show or suggest illegal drug use."),
    Rule("CND006", "weapon-in-photo", "conduct", "medium", "review",
         "The photo seems to show a gun or a knife used as a weapon.",
         what="Photos that look like firearms or knives held or displayed as weapons (not kitchen "
              "knives on a chopping board). Lawful uses exist (shooting sports, service in the armed "
              "forces), so the finding asks you to review, not delete.",
         why="Posing with weapons can look threatening or glorify violence and may undermine public "
             "trust, especially alongside other concerns.",
         example="A photo posing with a rifle captioned 'don't mess with me'.",
         fix="Review; delete photos where a weapon could look threatening or out of context."),
    Rule("CND007", "nudity-or-sexual-content", "conduct", "high", "delete",
         "The photo may show nudity or sexual content.",
         what="Photos that a nudity detector scores as explicit or sexual. Beach and swimwear photos can "
              "score lower; clinical photos of skin are judged as clinical images instead.",
         why="Sexualised content on a public or semi-public profile can undermine public trust in you and "
             "your profession, and is raised in conduct cases; it can also be reported by patients.",
         example="A revealing photo on a public profile that also shows your job title.",
         fix="Delete the photo or make sure only people you choose can see it."),
]


@dataclass(frozen=True)
class ImageCues:
    """Everything known about one image besides its pixels.

    ``caption``: the post's text; ``ocr_text``: words read from the image (may be empty);
    ``faces``: possible faces found; ``at_workplace`` / ``at_home``: where the post or photo was
    made, None when unknown; ``employer_names``: the user's employer and its aliases (profile).
    """
    post: Post
    media_path: str
    caption: str = ""
    ocr_text: str = ""
    faces: int = 0
    at_workplace: bool | None = None
    at_home: bool | None = None
    employer_names: tuple[str, ...] = ()


def _rx(words: Sequence[str]) -> re.Pattern:
    return re.compile(r"(?<![\w])(" + "|".join(words) + r")(?![\w])", re.I)


WORKPLACE_WORDS = _rx([
    r"NHS", r"(?:foundation |health |care )?trust", r"hospitals?", r"infirmary", r"wards? ?\w{0,3}",
    r"ambulance", r"paramedics?", r"nurs(?:e|es|ing)", r"clinic", r"A&E", r"ICU", r"theatres?",
    r"on (?:a |the )?(?:night |day |late |early |long )?shift", r"(?:night|long|late|early) shifts?",
    r"scrubs", r"uniform", r"tunic", r"lanyard", r"(?:id|name|staff) badge", r"placement",
    r"GP surgery", r"care home", r"health board", r"resus", r"maternity",
])
BADGE_TITLES = _rx([r"nurse", r"sister", r"charge nurse", r"matron", r"paramedic", r"dr", r"doctor",
                    r"physio(?:therapist)?", r"midwife", r"HCA", r"healthcare assistant", r"student",
                    r"pharmacist", r"radiographer", r"social worker", r"OT", r"consultant", r"staff"])
PATIENT_WORDS = _rx([r"patients?", r"interesting (?:case|one|presentation|find)", r"you don'?t see (?:this|that)",
                     r"on shift", r"at work", r"resus", r"A&E", r"ward", r"clinic",
                     r"(?:scan|x-?ray|ecg|film|slide|case) of the (?:day|week)", r"guess (?:the|what)"])
OWN_WORDS = _rx([r"my (?:own )?(?:x-?ray|scan|mri|ct|ecg|wound|scar|stitches|leg|arm|knee|ankle|wrist|"
                 r"hand|foot|back|teeth|tooth|baby|bump)", r"my (?:broken|fractured)", r"(?:i|I) broke",
                 r"our (?:baby|little one)", r"baby scan", r"\d+ ?weeks?"])
ALCOHOL_WORDS = _rx([r"drunk", r"wasted", r"hammered", r"pints?", r"shots?", r"beers?", r"wine", r"vodka",
                     r"gin", r"prosecco", r"cocktails?", r"hangover", r"hungover", r"pre-?drinks",
                     r"booze", r"tequila", r"rum", r"whisk(?:e)?y"])
DRUG_WORDS = _rx([r"weed", r"stoned", r"420", r"coke", r"cocaine", r"mdma", r"molly", r"ket", r"ketamine",
                  r"spliff", r"blunt", r"baked", r"pills? party", r"getting high", r"off my face"])
# a name with a date of birth, a date, a hospital or NHS number read from a clinical image
IDENTIFIER = re.compile(r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{3} ?\d{3} ?\d{4}|DOB|D\.O\.B|MRN|"
                        r"hosp(?:ital)? ?(?:no|number)|NHS ?(?:no|number)|patient(?: name)?|name:)\b", re.I)
NAME_LIKE = re.compile(r"\b[A-Z][a-z]{2,}[ ,]+[A-Z][A-Z'a-z-]{2,}\b")

KIND_WORDS = {
    "x-ray": "an X-ray",
    "ct-mri": "a CT or MRI scan",
    "ultrasound": "an ultrasound scan",
    "ecg": "an ECG (a heart trace)",
    "histology": "a microscope slide of tissue or blood",
    "wound": "a wound or a visible skin condition",
    "dental": "a dental X-ray",
}
MIN_KIND_SHARE = 0.6
NEAR = 0.6          # a picture score at 60 % of its threshold counts when the context agrees


def _found(rx: re.Pattern, *texts: str) -> list[str]:
    out: list[str] = []
    for text in texts:
        for m in rx.finditer(text or ""):
            w = re.sub(r"\s+", " ", m.group(0)).strip()
            if w and w.casefold() not in {x.casefold() for x in out}:
                out.append(w)
    return out


def _quote(words: Sequence[str], n: int = 3) -> str:
    return ", ".join(f"'{w}'" for w in words[:n])


def _employer(cues: ImageCues) -> list[str]:
    names = [n for n in cues.employer_names if n and len(n) >= 3]
    return _found(_rx([re.escape(n) for n in names]), cues.caption, cues.ocr_text) if names else []


def _conf(*parts: float) -> float:
    """Noisy-or of independent pieces of evidence, kept below 0.97."""
    miss = 1.0
    for p in parts:
        miss *= 1.0 - max(0.0, min(1.0, p))
    return round(min(0.97, 1.0 - miss), 2)


def _finding(rule: str, cues: ImageCues, evidence: str, explanation: str, confidence: float,
             severity: str | None = None, action: str | None = None) -> Finding:
    return Finding(rule, cues.post.ref, evidence=evidence, explanation=explanation,
                   confidence=confidence, media_path=cues.media_path, severity=severity, action=action)


# Radiographs, CT and MRI images are light structures on a dark ground. The clinical head, trained
# without pages of text among its negatives, scores a white page of dark text as an X-ray; a picture
# that is mostly white is not one of these kinds (dental films and ECG paper often are mostly white,
# so they are not in this list).
DARK_KINDS = ("x-ray", "ct-mri")
PAGE_SHARE = 0.5


# -- the judgement -----------------------------------------------------------------------------------
def judge(result: VisionResult, cues: ImageCues) -> list[Finding]:
    """Findings for one image: at most one per rule, plain-word explanations, no scores."""
    out: list[Finding] = []
    p = result.probs
    thr = result.thresholds

    def score(cls: str) -> tuple[float, bool, bool]:
        v = float(p.get(cls, 0.0))
        t = float(thr.get(cls, 1.01))
        return v, v >= t, v >= NEAR * t

    employer = _employer(cues)
    work_words = _found(WORKPLACE_WORDS, cues.caption, cues.ocr_text)
    context_work = bool(employer or work_words or cues.at_workplace)

    # clinical image vs nudity: one concern, the more likely one
    clin_p, clin_hit, _ = score("clinical")
    if clin_hit and result.clinical_kind in DARK_KINDS and result.page >= PAGE_SHARE:
        clin_hit = False          # a white page of text or a screenshot, not a radiograph or a scan
    nude_p, nude_hit, _ = score("nudity")
    if clin_hit and nude_hit:
        if clin_p >= nude_p:
            nude_hit = False
        else:
            clin_hit = False
    if clin_hit:
        out.append(_clinical(result, cues, clin_p))
    if nude_hit and result.nudity_checked:
        out.append(_finding("CND007", cues, "photo content: possible nudity",
                            "This photo may show nudity or sexual content. Check who can see it; if it "
                            "is public or shows your job or workplace, delete it.", _conf(nude_p * 0.9)))

    uni_p, uni_hit, uni_near = score("uniform")
    if uni_hit or (uni_near and context_work):
        out.append(_uniform(result, cues, uni_p, uni_hit, employer, work_words))

    alc_p, alc_hit, alc_near = score("alcohol")
    drink_words = _found(ALCOHOL_WORDS, cues.caption, cues.ocr_text)
    if alc_hit or (alc_near and drink_words):
        out.append(_alcohol(cues, alc_p, drink_words, uni_hit, context_work))

    drug_p, drug_hit, _ = score("drugs")
    drug_words = _found(DRUG_WORDS, cues.caption)
    if drug_hit and drug_words and not context_work:
        out.append(_finding("CND005", cues, "photo content: possible drugs; caption: " + ", ".join(drug_words[:3]),
                            "This photo may show drugs or drug equipment, and the caption mentions "
                            f"{_quote(drug_words)}. Delete it if it shows or suggests illegal drug use.",
                            _conf(0.3 * drug_p, 0.35)))
    elif drug_hit and not context_work:
        out.append(_finding("CND005", cues, "photo content: possible drug equipment",
                            "This photo may show drug equipment (for example a syringe) outside a clinical "
                            "setting. The picture alone is a weak sign; check what it shows.",
                            min(0.35, _conf(0.4 * drug_p))))

    wpn_p, wpn_hit, _ = score("weapon")
    if wpn_hit:
        extra = ""
        conf = wpn_p
        if uni_hit or context_work:
            extra = " It seems to be linked to your work, which makes it more visible as a professional."
        out.append(_finding("CND006", cues, "photo content: weapon",
                            "This photo seems to show a gun or a knife held or displayed as a weapon. "
                            "Lawful uses exist; check it could not look threatening or out of context." + extra,
                            _conf(conf)))
    return out


def _clinical(result: VisionResult, cues: ImageCues, prob: float) -> Finding:
    kind = result.clinical_kind if result.clinical_kind_prob >= MIN_KIND_SHARE else ""
    what = KIND_WORDS.get(kind, "a medical image, such as a scan or an X-ray")
    ids = bool(IDENTIFIER.search(cues.ocr_text or "")) or bool(NAME_LIKE.search(cues.ocr_text or ""))
    patient = _found(PATIENT_WORDS, cues.caption)
    own = _found(OWN_WORDS, cues.caption)
    conf = prob
    notes = []
    if ids:
        conf = _conf(conf, 0.5)
        notes.append("Words on the image look like a name, a date or a hospital number, which makes the "
                     "patient easier to identify.")
    if patient:
        conf = _conf(conf, 0.3)
        notes.append(f"The caption mentions {_quote(patient)}.")
    if cues.at_workplace:
        conf = _conf(conf, 0.2)
        notes.append("It was taken at one of your workplaces.")
    severity, action = None, None
    if own and not patient:
        conf = round(conf * 0.6, 2)
        severity, action = "medium", "review"
        notes.append("The caption suggests it is your own, which is your choice to share; check nobody "
                     "else's information is in it.")
    text = (f"This photo looks like {what}. Medical images can identify a patient even without a name, "
            "and sharing them without consent breaches confidentiality.")
    if notes:
        text += " " + " ".join(notes)
    evidence = f"photo content: {kind or 'medical image'}"
    return _finding("CONF103", cues, evidence, text, round(min(conf, 0.97), 2), severity, action)


def _uniform(result: VisionResult, cues: ImageCues, prob: float, hit: bool, employer: list[str],
             work_words: list[str]) -> Finding:
    badge = bool(BADGE_TITLES.search(cues.ocr_text or "")) and bool(NAME_LIKE.search(cues.ocr_text or ""))
    seen = _seen_clothing(result)
    what = "a person in a work uniform" if not seen else f"a person in {seen}"
    if badge:
        what += " with a name badge"
    parts = [prob if hit else prob * 0.7]
    notes = []
    if employer:
        parts.append(0.5)
        notes.append(f"Your employer is named ({_quote(employer)}).")
    if work_words:
        parts.append(0.35)
        notes.append(f"The caption or the words in the photo mention {_quote(work_words)}.")
    if badge:
        parts.append(0.3)
    if cues.at_workplace:
        parts.append(0.25)
        notes.append("It was taken at one of your workplaces.")
    if cues.faces:
        notes.append("Other people may be in it too.")
    conf = _conf(*parts)
    if cues.at_home:
        conf = round(conf * 0.9, 2)
    text = (f"This photo seems to show {what}. A uniform photo identifies you as a health or care "
            "professional and often your employer.")
    if notes:
        text += " " + " ".join(notes)
    ev = "photo content: uniform" + (" and name badge" if badge else "")
    if employer:
        ev += "; employer named"
    return _finding("WRK003", cues, ev, text, conf)


def _seen_clothing(result: VisionResult) -> str:
    for name, _share in result.labels[:3]:
        if name in ("a lab coat", "a military-style uniform", "a protective vest"):
            return name
        if name == "a stethoscope":
            return "work clothes with a stethoscope"
    return ""


def _alcohol(cues: ImageCues, prob: float, words: list[str], uniform: bool, work: bool) -> Finding:
    parts = [prob]
    notes = []
    severity = None
    if words:
        parts.append(0.3)
        notes.append(f"The caption mentions {_quote(words)}.")
    if uniform or work:
        parts.append(0.3)
        severity = "medium"
        notes.append("It also points at your work or uniform, which makes it a bigger concern.")
    text = "This photo seems to show alcoholic drinks. Having a drink is not a problem in itself."
    if notes:
        text += " " + " ".join(notes)
    return _finding("CND004", cues, "photo content: alcohol", text, _conf(*parts), severity)
