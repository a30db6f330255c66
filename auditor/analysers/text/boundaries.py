"""Professional boundaries: online contact or relationships with people in your care, and treatment
offered privately through social media.

The patterns in the data file say what was said (a patient added you, you looked one up, "DM me for
sessions"); the concern model weighs them (what it does not read as a boundary concern is left for
review) and finds the ones no pattern was written for (review only).
"""
from __future__ import annotations

from typing import Iterator

from ...model import Rule
from .signals import Hit, Named, Scan, TextSignals, lexicon, resembles

LABEL = "boundaries"
ORDER = 70
WHY = "regulators require clear professional boundaries with current and former service users"

RULES = [
    Rule("BND001", "service-user-contact-online", "boundaries", "high", "delete",
         "Contact or a relationship with a patient or service user online.",
         what="Posts saying a patient or service user added, followed or messaged you, or that you looked "
              "them up or are seeing them, in a post the concern model reads as a boundary concern; posts "
              "the model reads so where no such words could be pointed at are for review only.",
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
]


def _lex():
    return lexicon(LABEL)


def check(sig: TextSignals, scan: Scan, found: tuple[Hit, ...]) -> Iterator[Hit]:
    lex = _lex()
    said = sig.says(LABEL)
    t = sig.text
    contact = sig.find(lex.patterns("contact.patterns"))
    if contact:
        named = Named(t).add("", contact, 1)
        yield Hit("BND001", contact[0].text, f"Online contact with someone in your care, {named.render()}; {WHY}.",
                  sig.confidence(LABEL), named.spans())
    offer = sig.find(lex.patterns("private_offer.patterns"))
    if offer:
        named = Named(t).add("", offer, 1)
        conf = sig.confidence(LABEL) if said is not False else sig.confidence("promotion")
        yield Hit("BND002", offer[0].text, f"An offer of private treatment or advice by message, {named.render()}; "
                  f"treating people through personal social media blurs boundaries.", min(conf, 0.7), named.spans())
    if said is True and not contact and not offer:
        yield resembles(sig, scan, "BND001", LABEL, "Reads like personal contact with someone in your care",
                        WHY + ", so take a look")
