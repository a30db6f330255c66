"""The rule catalogue. IDs are stable and never reused: retire a rule by moving it to RETIRED.

Each rule has a readable name, a category and severity (DESIGN.md vocabularies), a suggested
action, and doc sections: what it flags, why it matters, an example, how to fix.

Rules are declared beside their checks: every analyser module (see auditor/plugins.py) may define
a RULES list, and the catalogue gathers them. RULES below holds the rules whose modules have not
yet moved theirs next to the check.
"""
from __future__ import annotations

from .model import ACTIONS, CATEGORIES, SEVERITIES, Rule

RULES: list[Rule] = [
    # --- text rules (auditor/analysers/text.py) ----------------------------------------------
    Rule("CONF001", "identifiable-service-user", "confidentiality", "high", "delete",
         "Work context together with details that could identify a patient or service user.",
         what="Posts that mention a patient, service user, client, ward, shift, call-out, caseload, home "
              "visit, clinic or A&E together with a person's name, or with two or more of: an age, a "
              "condition or diagnosis, a street or small place, a date or 'today'.",
         why="Regulators treat identifiable service-user information online as a breach of confidentiality "
             "even when no name is given: details that are harmless one by one add up to a person.",
         example="'Lovely 84yo lady with dementia on Elm Road this morning, made my shift.'",
         fix="Delete the post. Describe your work in general terms only, never with ages, places, dates or "
             "conditions of the people you care for."),
    Rule("CONF002", "case-detail", "confidentiality", "medium", "review",
         "A case from work discussed with a clinical detail (an age or a condition).",
         what="Posts with work context and one clinical detail, such as an age or a diagnosis, but no name, "
              "place or date: a case discussed rather than a person named.",
         why="Colleagues, the person and their family can often recognise a case from one detail and the "
             "post's date; regulators expect you to keep cases off personal social media.",
         example="'Had a patient with a stab wound on shift, what a night.'",
         fix="Review whether anyone could recognise the case; if so, delete it."),
    Rule("PII001", "third-party-phone-number", "personal-data", "medium", "delete",
         "A phone number that is not yours.",
         what="UK and international phone numbers found by Presidio's phone recognizer (libphonenumber).",
         why="Publishing other people's contact details exposes them and breaches their privacy.",
         example="'Ring Sam on 07700 900123 if you need a lift.'",
         fix="Delete the post or edit out the number."),
    Rule("PII002", "third-party-email", "personal-data", "medium", "delete",
         "An e-mail address that is not yours.",
         what="E-mail addresses, except those containing your own names or handles from the profile.",
         why="Publishing other people's contact details exposes them and breaches their privacy.",
         example="'Complaints to kim.tester@example.org, she never answers.'",
         fix="Delete the post or edit out the address."),
    Rule("PII003", "postcode-or-address", "personal-data", "medium", "edit",
         "A UK postcode or street address.",
         what="UK postcodes (Presidio's UK postcode recognizer) and house-number street addresses.",
         why="An address or postcode can locate a person; next to work context it can identify a service user.",
         example="'Third call to 14 Mill Lane LS6 2AB today.'",
         fix="Edit out the address or delete the post."),
    Rule("PII004", "nhs-or-ni-number", "personal-data", "high", "delete",
         "An NHS number (checksum valid) or a National Insurance number.",
         what="Ten-digit NHS numbers whose check digit is valid, and National Insurance numbers.",
         why="These numbers identify a person in health and benefit records and must never be published.",
         example="'Can't find NHS no 943 476 5919 on the system.'",
         fix="Delete the post."),
    Rule("PII005", "date-of-birth", "personal-data", "high", "delete",
         "A date of birth.",
         what="Dates written next to 'DOB', 'date of birth' or 'born on'.",
         why="A date of birth is one of the key details that identifies a person in health records.",
         example="'DOB 03/04/1951, no next of kin listed.'",
         fix="Delete the post."),
    Rule("OFF001", "abuse-aimed-at-person", "offensive", "high", "delete",
         "Abusive, obscene or insulting language aimed at a person.",
         what="Texts the offensive-language model scores as offensive that address or mention someone: "
              "an @mention, 'you', or a person's name.",
         why="Abuse of identifiable people online is a common reason for fitness-to-practise action; "
             "regulators expect politeness and consideration in personal posts too.",
         example="'@someone you are a pathetic idiot.'",
         fix="Delete the post (or unlike / undo the repost)."),
    Rule("OFF002", "offensive-language", "offensive", "medium", "delete",
         "Abusive or obscene language not aimed at anyone in particular.",
         what="Texts the offensive-language model scores as offensive, with the words that weighed most.",
         why="Swearing and obscenity in public posts can damage public confidence in you and your profession.",
         example="'This f***ing weather is sh*t.'",
         fix="Delete the post, or edit it if the platform allows."),
    Rule("DIS001", "slur", "discriminatory", "high", "delete",
         "A slur for a group with a protected characteristic.",
         what="Slurs and derogatory names for people by race, religion or belief, sex, sexual orientation, "
              "gender reassignment, disability or age; the explanation names the characteristic.",
         why="Discriminatory language online is treated as serious misconduct by every UK regulator and "
             "conflicts with the duty not to discriminate against service users, carers or colleagues.",
         example="A post calling a group by a racial slur.",
         fix="Delete the post (or unlike / undo the repost)."),
    Rule("DIS002", "contempt-for-group", "discriminatory", "high", "delete",
         "Contempt or a stereotype about people with a protected characteristic.",
         what="A group named by a protected characteristic with contempt words ('vermin', 'disgusting'), "
              "a sweeping generalisation ('all X are ...') or offensive language.",
         why="Contempt for a group conflicts with the duty not to let values or beliefs lead to "
             "discrimination, and undermines the trust of service users from that group.",
         example="'Immigrants are vermin.'",
         fix="Delete the post."),
    Rule("DIS003", "belief-or-political-opinion", "discriminatory", "low", "review",
         "A strongly worded opinion about religion, politics or a contested social question.",
         what="Opinions on religion, politics, abortion, immigration or similar expressed without contempt.",
         why="Freedom of expression is protected and regulators weigh it; such posts are rarely a problem "
             "on their own but are worth a look if you identify as a professional.",
         example="'I believe abortion should never be legal.'",
         fix="Usually nothing; review whether the tone is respectful and whether it names your profession."),
    Rule("GRV001", "insult-colleague-or-employer", "grievance", "high", "delete",
         "Insults about colleagues, managers or the employer.",
         what="Offensive or insulting words together with a colleague, a manager or your employer "
              "(names and aliases from the profile, and 'my manager', 'the trust', 'work' ...).",
         why="Treating colleagues with respect applies online, and public attacks on an employer damage "
             "confidence in the service.",
         example="'My manager is a useless cow.'",
         fix="Delete the post; raise concerns through your employer's or regulator's channels instead."),
    Rule("GRV002", "workplace-complaint", "grievance", "low", "review",
         "A public complaint about work, colleagues or the employer.",
         what="Complaints about the workplace, staffing or management without insults.",
         why="Complaints are not misconduct in themselves, but they can reveal the workplace and, "
             "with details, colleagues or service users.",
         example="'Management at the trust do not care about staff.'",
         fix="Review; raise concerns through proper channels (speaking-up guardians, unions)."),
    Rule("MIS001", "health-misinformation", "misinformation", "high", "delete",
         "A claim against public-health advice stated as fact.",
         what="Claims about vaccines, COVID-19 or cures that contradict public-health advice "
              "(e.g. vaccines cause autism, COVID is a hoax, a diet cures cancer), unless the post "
              "reports or rebuts the claim.",
         why="The public rely on what health professionals say; regulators expect you to check that "
             "what you share is accurate and not to undermine public-health advice.",
         example="'The vaccine alters your DNA, don't let them jab your kids.'",
         fix="Delete the post (or undo the repost)."),
    Rule("BND001", "service-user-contact-online", "boundaries", "high", "delete",
         "Contact or a relationship with a patient or service user online.",
         what="Posts saying a patient or service user added, followed or messaged you, or that you "
              "looked them up or are seeing them.",
         why="Regulators require professional boundaries with current and former service users; "
             "online friendships and relationships blur them.",
         example="'A patient from last week just added me on here lol.'",
         fix="Delete the post; decline or remove the connection and follow your employer's policy."),
    Rule("BND002", "private-treatment-offer", "boundaries", "medium", "review",
         "An invitation to get treatment or advice privately through social media.",
         what="'DM me for private treatment / sessions / advice' and similar offers.",
         why="Treating or advising people through personal social media blurs boundaries and may breach "
             "rules on advertising and record keeping.",
         example="'DM me for private physio sessions, cash only.'",
         fix="Review; use a proper professional account and channels."),
    Rule("CND001", "drink-or-drugs", "conduct", "medium", "review",
         "Posts about getting drunk or using drugs.",
         what="First-person posts about being drunk, hungover or using illegal drugs.",
         why="Conduct outside work must justify public trust; posts about drug use or heavy drinking "
             "are raised in fitness-to-practise cases, especially near shifts.",
         example="'Absolutely hammered, bring on the night shift tomorrow.'",
         fix="Review; delete posts that show drug use or drunkenness."),
    Rule("CND002", "off-sick-posting", "conduct", "high", "delete",
         "Posts suggesting you were off sick while out enjoying yourself.",
         what="'Called in sick', 'off sick' or 'pulled a sickie' with a party, trip, drinking or festival.",
         why="Posting while off sick has led to dishonesty findings: it can look like sick leave was not genuine.",
         example="'Pulled a sickie, beach day!'",
         fix="Delete the post."),
    Rule("CND003", "drunk-late-night-post", "conduct", "medium", "review",
         "A post about drinking sent late at night.",
         what="Drink words in posts sent between 23:00 and 05:00.",
         why="Late-night posts written after drinking are where most regrettable posts come from.",
         example="'Six pints down and still going' sent at 01:40.",
         fix="Review and delete if it reflects badly on you."),
    Rule("PRM001", "misleading-health-promotion", "promotion", "medium", "review",
         "Promotional claims that may be inaccurate or misleading.",
         what="Promises of guaranteed results, miracle or 100% cures, and discount codes next to health claims.",
         why="Regulators require promotional activity to be accurate and not misleading.",
         example="'Guaranteed pain-free in one session! Code SAVE20.'",
         fix="Edit the claim to what the evidence supports, or delete the post."),
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

RETIRED: dict[str, str] = {}   # id -> why it was retired (IDs are never reused)

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
