"""Grievances: insults about colleagues, managers or the employer, and public complaints about work.

The concern model decides whether the post is a grievance (or abusive); the word lists and the
employer's names from the profile say about whom and with which words. Union activity and collective
action are lawful and never a grievance on their own (docs/policy.md).
"""
from __future__ import annotations

from typing import Iterator

from ...model import Rule
from .signals import Hit, Named, Scan, TextSignals, distinct, lexicon, resembles
from . import offensive

LABEL = "grievance"
ORDER = 40
PERSON_LABELS = ("PERSON",)

RULES = [
    Rule("GRV001", "insult-colleague-or-employer", "grievance", "high", "delete",
         "Insults about colleagues, managers or the employer.",
         what="Insulting words about a colleague, a manager or your employer (names and aliases from the "
              "profile, and 'my manager', 'the trust' ...), in a post the concern model reads as a "
              "grievance or as abusive.",
         why="Treating colleagues with respect applies online, and public attacks on an employer damage "
             "confidence in the service.",
         example="'My manager is a useless cow.'",
         fix="Delete the post; raise concerns through your employer's or regulator's channels instead."),
    Rule("GRV002", "workplace-complaint", "grievance", "low", "review",
         "A public complaint about work, colleagues or the employer.",
         what="Complaints about the workplace, staffing or management without insults, and posts the "
              "concern model reads as a complaint about a colleague where no words could be pointed at. "
              "Union activity and collective action are not flagged.",
         why="Complaints are not misconduct in themselves, but they can reveal the workplace and, "
             "with details, colleagues or service users.",
         example="'Management at the trust do not care about staff.'",
         fix="Review; raise concerns through proper channels (speaking-up guardians, unions)."),
]


def _lex():
    return lexicon(LABEL)


def needs_entities(sig: TextSignals, scan: Scan) -> bool:
    return sig.yes(LABEL)          # a named colleague, for the explanation


def check(sig: TextSignals, scan: Scan, found: tuple[Hit, ...]) -> Iterator[Hit]:
    lex = _lex()
    said = sig.says(LABEL)
    rude = sig.says("offensive")
    if said is False and rude is not True:
        return
    people = sig.find(lex.words("targets.people"), "person")
    places = sig.find(lex.words("targets.places"), "work")
    if scan.employer is not None:
        places += sig.find(scan.employer, "work")
    insults = distinct(offensive.insults(sig))
    complaints = distinct(sig.find(lex.words("complaints.words")))
    lawful = [w for w in sig.find(lex.words("lawful.words"))
              if not any(w.start <= i.start < w.end for i in sig.find(lex.words("lawful.not_words")))]
    named_people = [p for p in sig.ents(PERSON_LABELS, "person") if not scan.is_own(p.text)]
    if lawful and not insults and not named_people:
        return            # union activity and collective action are lawful, on their own (not with a named colleague)
    targets = distinct(people + places)
    if people and insults and (said is True or rude is True or (said is None and rude is None)):
        named = Named(sig.text).add("", insults, 3).add("about", distinct(people + places), 2)
        conf = max(sig.confidence(LABEL), sig.confidence("offensive")) if rude is True else sig.confidence(LABEL)
        yield Hit("GRV001", f"{people[0].text}: {insults[0].text}",
                  f"Insults about a colleague or your employer, {named.render(' ')}; treating colleagues with "
                  f"respect applies online too.", conf, named.spans())
        return
    if said is False:
        return
    if targets and (complaints or insults):
        named = Named(sig.text).add("", complaints or insults, 2).add("about", targets, 2)
        yield Hit("GRV002", f"{targets[0].text}: {(complaints or insults)[0].text}",
                  f"A public complaint about work, {named.render(' ')}; complaints can reveal your workplace "
                  f"and, with details, colleagues or patients.", min(sig.confidence(LABEL), 0.6), named.spans())
        return
    if said is True:
        what = "Reads like a complaint about a named colleague" if named_people else \
            "Reads like a complaint about a colleague or your employer"
        yield resembles(sig, scan, "GRV002", LABEL, what,
                        "public complaints about colleagues can break the duty to treat them with respect, "
                        "so take a look", also=[*named_people[:1], *targets[:1]])
