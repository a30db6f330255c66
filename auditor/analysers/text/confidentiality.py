"""Confidentiality: posts that could identify someone cared for at work.

The concern model says whether a post is about someone in the writer's care; the rules and the
entity recogniser say what makes the person identifiable (a name, an age, a condition, a place, a
date), and each of those is named in the explanation and carries a span. A bed state or handover list
(often read from a photo) is identifiable on its own. Figures about many people (public-health
statistics, research) and posts about the writer's own family are not about a service user; nor is
a report told in the third person in a public frame (news, a court report, a missing-person or donor
appeal, a tribute, a fundraiser) with no sign of the writer at work: the model's verdict alone does not
flag it (`public_frame`).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from ...model import Rule
from .signals import DOUBTED, Hit, Named, Piece, Scan, TextSignals, distinct, lexicon, preceded, resembles, SURE

LABEL = "confidentiality"
ORDER = 10
PERSON_LABELS = ("PERSON",)
PLACE_LABELS = ("GPE", "LOC", "FAC")
DATE_LABELS = ("DATE", "TIME")
WHY = "details like these add up to one person, which breaks their confidentiality"
PUBLIC_FRAME = True   # off: the rule as it was before `public_frame` (benchmarks/bench_text.py --conf-ab)
# the model reads a post as about someone in your care so clearly that a reason to set it aside (the
# writer's own family, figures about many people, a public report) leaves a look, not silence (P10, P11,
# P17): on training posts the family words had cleared "the man who buys viagra is my mate's dad" and
# "recognised my own GP in bed 4", at 0.90-0.98; the clean posts they rightly cleared were mostly below
CLEARLY = 0.85

RULES = [
    Rule("CONF001", "identifiable-service-user", "confidentiality", "high", "delete",
         "Work context together with details that could identify a patient or service user.",
         what="Posts the concern model reads as being about someone in your care that also hold a "
              "person's name, or two or more of: an age, a condition, a care or safeguarding situation "
              "('in care', 'neglect'), a street or small place, a date or "
              "'today' (each is named in the explanation); and lists of patients with beds or names, "
              "such as a bed state read from a photo. Where the post says the person gave permission, it is "
              "for review: check the permission was explicit and covers what is shown.",
         why="Regulators treat identifiable service-user information online as a breach of confidentiality "
             "even when no name is given: details that are harmless one by one add up to a person.",
         example="'Lovely 84yo lady with dementia on Elm Road this morning, made my shift.'",
         fix="Delete the post. Describe your work in general terms only, never with ages, places, dates or "
             "conditions of the people you care for."),
    Rule("CONF002", "case-detail", "confidentiality", "medium", "review",
         "A case from work discussed with a clinical detail, or a post that reads like one.",
         what="Posts about someone in your care with one clinical detail (an age or a condition) but no "
              "name, place or date; posts the concern model reads as being about someone in your "
              "care where no identifying detail could be pointed at (review only); and posts that look like "
              "they are about your own family, figures about many people or a public report, but that the "
              "model reads clearly as about someone in your care (review only).",
         why="Colleagues, the person and their family can often recognise a case from one detail and the "
             "post's date; regulators expect you to keep cases off personal social media.",
         example="'Had a patient with sepsis on shift, what a night.'",
         fix="Review whether anyone could recognise the case; if so, delete it."),
]


def _lex():
    return lexicon(LABEL)


def work_context(sig: TextSignals) -> tuple[list[Piece], list[Piece]]:
    """(strong, weak) work-context words; 'be patient' (the adjective) is not a patient."""
    if "conf:work" not in sig.memo:
        lex = _lex()
        adjective = sig.find(lex.patterns("work_context.adjective_patterns"))
        strong = [p for p in sig.find(lex.words("work_context.strong"), "work")
                  if not any(a.start <= p.start < a.end for a in adjective)]
        weak = sig.find(lex.words("work_context.weak"), "work")
        sig.memo["conf:work"] = (strong, weak)
    return sig.memo["conf:work"]


def public_frame(sig: TextSignals) -> list[Piece]:
    """The words that put a post in a public frame (a news or court report, an appeal, a tribute, a
    fundraiser, a wish), when it is told in the third person and nothing puts the writer at work in it
    (no work-context word, strong or weak; no first-person word; no first-person work phrase or
    opening such as "Scanned a local footballer..."); [] otherwise."""
    if not PUBLIC_FRAME:
        return []
    if "conf:public" not in sig.memo:
        lex = _lex()
        frame = sig.find(lex.words("public_frame.words"))
        if frame:
            strong, weak = work_context(sig)
            weak = [w for w in weak if not any(f.start <= w.start < f.end for f in frame)]   # "call 101"
            if (strong or weak or sig.find(lex.words("public_frame.first_person"))
                    or sig.find(lex.words("first_person_work.words")) or sig.find(lex.words("public_frame.at_work"))
                    or sig.find(lex.patterns("public_frame.at_work_patterns"))):
                frame = []
        sig.memo["conf:public"] = frame
    return sig.memo["conf:public"]


def _reported(sig: TextSignals) -> bool:
    """Public-frame words ("died aged", "donated", "tributes") with no first-person work phrase ("my patient",
    "I treated"): with the model reading no one in care, a name beside a work word is a report, not a case
    ("the GP who set up the first drop-in clinic has died aged 77"). Work words do not cancel it here, as they
    do in `public_frame`, which overrules the model's yes."""
    lex = _lex()
    return bool(PUBLIC_FRAME and sig.find(lex.words("public_frame.words"))
                and not sig.find(lex.words("first_person_work.words")))


def needs_entities(sig: TextSignals, scan: Scan) -> bool:
    strong, weak = work_context(sig)
    said = sig.says(LABEL)
    return said is True or (said is None and bool(strong or weak)) or (bool(strong) and said is False)


def _details(sig: TextSignals, scan: Scan) -> dict[str, list[Piece]]:
    lex = _lex()
    ages = sig.find(lex.patterns("identifiers.age_patterns"), "age")
    conditions = sig.find(lex.words("conditions.words"), "health")
    names = [p for p in sig.ents(PERSON_LABELS, "person")
             if not scan.is_own(p.text) and "@" not in p.text and not p.text.startswith("RT ")
             and not lex.words("work_context.strong").fullmatch(p.text)
             and p.text.casefold() not in lex.word_set("identifiers.not_names")
             and not any(p.start < c.end and c.start < p.end for c in conditions)]   # "Down's": the condition
    names += [p for p in sig.find(lex.patterns("identifiers.title_name_patterns"), "person")
              if not scan.is_own(p.text)]
    places = [p for p in sig.ents(PLACE_LABELS, "place") if "@" not in p.text]
    places += sig.find(lex.patterns("identifiers.street_patterns"), "place")
    dates = sig.find(lex.words("dates.words"), "date")
    dates += [p for p in sig.ents(DATE_LABELS, "date") if not p.text.strip().isdigit()]
    # an age is not a date ("78 year old" is tagged DATE by the entity recogniser)
    dates = [d for d in dates if not any(d.start < a.end and a.start < d.end for a in ages)]
    situations = sig.find(lex.words("circumstances.words"), "health")
    return {"name": distinct(names), "age": distinct(ages), "condition": distinct(conditions),
            "situation": distinct(situations),
            "place": distinct(places), "when": distinct(dates)}


def _specific(sig: TextSignals, names: list[Piece]) -> list[Piece]:
    """The names that pick out one person: a title and a surname, or a first name and a surname."""
    lex = _lex()
    role = lex.word_set("identifiers.not_first_names")
    return [n for n in names if any(rx.fullmatch(n.text) for rx in lex.patterns("identifiers.specific_name_patterns"))
            and n.text.split()[0].casefold() not in role]


def _patient_list(sig: TextSignals) -> Hit | None:
    lex = _lex()
    rows = sig.find(lex.patterns("patient_list.row_patterns"), "health")
    if len(rows) < 2:
        return None
    names = distinct(p for r in rows for p in sig.find(lex.patterns("patient_list.name_patterns"), "person")
                     if r.start <= p.start < r.end)
    named = Named(sig.text).add("", names or rows, 3)
    what = "names such as " + named.render() if names else "rows such as " + named.render()
    return Hit("CONF001", "; ".join(p.text for p in (names or rows)[:3])[:120],
               f"A list of {len(rows)} patients or service users with beds and {what}: anyone who reads it "
               f"learns who is in care, which breaks their confidentiality.",
               SURE if names else 0.75, named.spans(rows if not names else ()))


def consented(sig: TextSignals) -> bool:
    """The post says the person, or their family, gave permission for it ("shared with her permission", "at
    his request"), and does not take it back ("didn't ask", "without consent")."""
    lex = _lex()
    return bool(sig.find(lex.patterns("consent.patterns"))) and not sig.find(lex.patterns("consent.not_patterns"))


def check(sig: TextSignals, scan: Scan, found: tuple[Hit, ...]) -> Iterator[Hit]:
    listed = _patient_list(sig)
    if listed is not None:
        yield listed
        return
    permission = consented(sig)
    for hit in _check(sig, scan):
        if permission:
            # standards allow identifiable information with explicit consent: a look, not a deletion (P19)
            why = hit.explanation.rstrip(".").rsplit("; ", 1)[0]
            hit = replace(hit, confidence=min(hit.confidence, DOUBTED), action="review",
                          explanation=f"{why}; the post says they gave permission, so check it was explicit and "
                                      f"covers everything shown.")
        yield hit


def _set_aside(sig: TextSignals, scan: Scan, reason: str,
               details: dict[str, list[Piece]] | None = None) -> Iterator[Hit]:
    """A post a rule sets aside as not about someone in the writer's care: nothing, unless the model reads
    it clearly as such (CLEARLY); then a look, naming what was found, never a deletion."""
    if not sig.p(LABEL) >= CLEARLY:        # no verdict (nan) is no reading either
        return
    details = _details(sig, scan) if details is None else details
    yield resembles(sig, scan, "CONF002", LABEL, "Reads like a post about someone in your care",
                    f"{reason}, so check whether any detail is about someone you cared for",
                    also=[p for v in details.values() for p in v])


def _check(sig: TextSignals, scan: Scan) -> Iterator[Hit]:
    lex = _lex()
    said = sig.says(LABEL)
    strong, weak = work_context(sig)
    if said is False and not strong:
        return
    if said is True and public_frame(sig):
        # a report, appeal or tribute about people who are not in the writer's care
        yield from _set_aside(sig, scan, "it reads like a public report, appeal or wish")
        return
    details = _details(sig, scan)
    names = [n for n in details["name"] if not any(n.start < w.end and w.start < n.end for w in strong)]
    case = sig.find(lex.words("aggregate.one_case"))              # "case study": one person, not many
    aggregate = sig.find(lex.patterns("aggregate.patterns")) or [
        a for a in sig.find(lex.words("aggregate.words")) if not any(c.start <= a.start < c.end for c in case)]
    family = [f for f in sig.find(lex.words("family.words"))        # not the one told: "told my mate"
              if not preceded(sig, f, lex.patterns("family.recipient_patterns"))
              ] and not sig.find(lex.words("first_person_work.words"))
    if (aggregate and not names) or family:
        # figures about many people, or the writer's own family: not a service user
        yield from _set_aside(sig, scan, "it mentions your own family or friends" if family
                              else "it gives figures about many people", details)
        return
    present = [(k, v) for k, v in details.items() if v and k != "name"]
    context = strong or weak
    n_details = len(present) + bool(names)
    named = (Named(sig.text).add("work context", context, 2).add("name", names, 2))
    for k, v in present:
        named.add(k, v, 3)
    evidence = "; ".join(ps[0].text for _, ps in named.parts)[:120]
    identifiable = bool(names) or len(present) >= 2
    if identifiable and (said is True or (said is None and (strong or (weak and n_details >= 3)))
                         or (said is False and strong and _specific(sig, names) and not _reported(sig))):
        yield Hit("CONF001", evidence, f"Could identify someone in your care: {named.render()}; {WHY}.",
                  sig.confidence(LABEL), named.spans())
        return
    if said is False:
        return
    clinical = [(k, v) for k, v in present if k in ("age", "condition", "situation")]
    if clinical and context:
        yield Hit("CONF002", evidence,
                  f"A case from work with a clinical detail: {named.render()}; colleagues, the person or "
                  f"their family could recognise it.", min(sig.confidence(LABEL), 0.7), named.spans())
        return
    if said is True:
        yield resembles(sig, scan, "CONF002", LABEL, "Reads like a post about someone in your care",
                        "even without a name, details of care can be recognised, so take a look",
                        also=[*names, *(p for _, v in present for p in v)])
