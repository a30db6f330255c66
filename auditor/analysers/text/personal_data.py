"""Personal data: other people's phone numbers, e-mail addresses, street addresses and postcodes, NHS
and National Insurance numbers, dates of birth, number plates.

Precise detectors say exactly what (Presidio's recognizers, fed the spaCy doc the engine already
made; an NHS number only with a valid check digit). The concern model weighs whether the post shares
someone else's details: where it reads no such thing (a business's booking line, the writer's own
number) a contact detail is left for review rather than deletion. The user's own names and handles
are never someone else's data.
"""
from __future__ import annotations

import re
from typing import Iterator

from ...model import Rule
from .signals import (DOUBTED, LIKELY, SURE, Hit, Named, Piece, Scan, TextSignals, lexicon, resembles,
                      squash)

LABEL = "personal-data"
ORDER = 20

RULES = [
    Rule("PII001", "third-party-phone-number", "personal-data", "medium", "delete",
         "A phone number that is not yours.",
         what="UK and international phone numbers (recognised by their shape and by the phone-number "
              "library), except those offered as your own or a service's line ('call me on', 'to book').",
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
         what="UK postcodes and house-number street addresses.",
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
         what="Dates written next to 'DOB', 'date of birth' or 'born on', except your own birthday.",
         why="A date of birth is one of the key details that identifies a person in health records.",
         example="'DOB 03/04/1951, no next of kin listed.'",
         fix="Delete the post."),
    Rule("PII007", "vehicle-registration", "personal-data", "medium", "edit",
         "A UK number plate that is not yours.",
         what="UK vehicle registrations in the current format ('FN66 XRT'), except one the same sentence gives "
              "as your own or your service's vehicle ('my car', 'our ambulance').",
         why="A number plate leads to the car's keeper: posting someone's plate, often with where they park "
             "or live, lets others find them, and is their personal data.",
         example="'Silver Audi FN66 XRT parks across my drive every night, the bloke from number 9.'",
         fix="Edit out the registration or delete the post."),
    Rule("PII006", "someone-elses-details", "personal-data", "medium", "review",
         "A post that reads like it shares someone else's personal details.",
         what="Posts the concern model reads as sharing another person's private details (where they "
              "live or work, their car, their children, their health) where no number, address or e-mail "
              "could be pointed at. Review only: the words that carried the verdict are named.",
         why="Sharing details that let others find or recognise a person breaches their privacy, and "
             "regulators expect you to respect the privacy of everyone you post about.",
         example="'The woman from number 9 with the silver Corsa is at it again.'",
         fix="Review; delete the post or edit out what could identify the person."),
]

# Presidio entity -> (rule, what it is in plain words, lowest recognizer score kept)
ENTITIES = {"PHONE_NUMBER": ("PII001", "a phone number", 0.4),
            "UK_PHONE_NUMBER": ("PII001", "a phone number", 0.5),
            "EMAIL_ADDRESS": ("PII002", "an e-mail address", 0.5),
            "UK_POSTCODE": ("PII003", "a postcode", 0.1),
            "UK_NHS": ("PII004", "an NHS number (its check digit is valid)", 0.5),
            "UK_NINO": ("PII004", "a National Insurance number", 0.5),
            "DATE_OF_BIRTH": ("PII005", "a date of birth", 0.5)}
KIND = {"PII001": "contact", "PII002": "contact", "PII003": "address", "PII004": "id-number",
        "PII005": "date", "PII007": "id-number"}
WHY = {"PII001": "publishing someone else's contact details exposes them and breaches their privacy",
       "PII002": "publishing someone else's contact details exposes them and breaches their privacy",
       "PII003": "an address or postcode can locate a person",
       "PII004": "this number identifies a person in health or benefit records",
       "PII005": "a date of birth is a key detail that identifies a person in health records",
       "PII007": "a number plate leads to the car's keeper and lets others find them"}


def _lex():
    return lexicon("personal_data")


def _lead_in(t: str, start: int, n: int = 40) -> str:
    """Up to n characters before `start`, within its sentence: what offers a detail as the writer's own
    ("call me on", "collection from") must say so in the same sentence ("...ringing my mobile. His number's")."""
    before = t[max(0, start - n):start]
    return re.split(r"[.!?]\s|\n", before)[-1]


def hint(sig: TextSignals) -> bool:
    if "pii:hint" not in sig.memo:
        sig.memo["pii:hint"] = any(rx.search(sig.text) for rx in _lex().patterns("hints.patterns"))
    return sig.memo["pii:hint"]


def needs_entities(sig: TextSignals, scan: Scan) -> bool:
    return hint(sig)


def _confidence(sig: TextSignals, rule: str) -> float:
    if rule == "PII004":
        return SURE                    # a checksum or a fixed shape: exact whatever the wording
    said = sig.says(LABEL)
    return SURE if said else (LIKELY if said is None else DOUBTED)


def check(sig: TextSignals, scan: Scan, found: tuple[Hit, ...]) -> Iterator[Hit]:
    lex = _lex()
    t = sig.text
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []
    own_address = lex.words("address.own_or_service")
    for p in sig.find(lex.patterns("address.house_patterns"), "address"):
        if own_address.search(_lead_in(t, p.start)):
            taken.append((p.start, p.end))
            continue          # offered as the writer's own or a service's address
        hits.append(Hit("PII003", p.text, f"Shares a street address '{p.text}'; {WHY['PII003']}.",
                        _confidence(sig, "PII003"), Named(t).add("", [p]).spans()))
        taken.append((p.start, p.end))
    for p in sig.find(lex.patterns("vehicle.plate_patterns"), KIND["PII007"]):
        sentence = _lead_in(t, p.start, p.start)
        if any(rx.search(sentence) for rx in lex.patterns("vehicle.own_patterns")):
            continue          # the writer's own vehicle, or the service's
        hits.append(Hit("PII007", p.text, f"Shares a vehicle registration '{p.text}'; {WHY['PII007']}.",
                        _confidence(sig, "PII007"), Named(t).add("", [p]).spans()))
        taken.append((p.start, p.end))
    if hint(sig) and sig.doc is not None:
        results = scan.presidio().analyze(t, sig.doc)
        seen: set = set()
        own_line = lex.words("phone.own_or_service")
        own_shape = lex.patterns("phone.own_or_service_patterns")
        role_parts = lex.word_set("email.role_local_parts")
        own_mail = lex.patterns("email.own_or_service_patterns")
        for r in sorted(results, key=lambda r: (-r.score, r.start)):
            if r.entity_type not in ENTITIES:
                continue
            rule, what, floor = ENTITIES[r.entity_type]
            start, end = r.start, r.end
            if t[start] == "(" and ")" not in t[start:end]:      # "(07700 900397" read from "(07700 900397)"
                start += 1
            if t[end - 1] == ")" and "(" not in t[start:end]:
                end -= 1
            value = t[start:end]
            if r.score < floor or (rule, squash(value)) in seen or any(a < r.end and r.start < b for a, b in taken):
                continue      # the same value, or one already explained (an NHS number is not a phone)
            if rule == "PII002" and any(n in squash(value.split("@")[0]) for n in scan.own_squashed):
                continue      # the user's own address
            if rule == "PII002" and (re.split(r"[._+-]", value.split("@")[0].casefold())[0] in role_parts
                                     or any(rx.search(_lead_in(t, r.start)) for rx in own_mail)):
                continue      # a role's or an organisation's address, or offered as the writer's own
            if rule == "PII005" and any(rx.search(t[max(0, r.start - 25):r.end])
                                        for rx in lex.patterns("date_of_birth.self_patterns")):
                continue      # the writer's own birthday
            if rule == "PII003" and own_address.search(_lead_in(t, r.start)):
                continue      # the writer's own or a service's postcode
            if rule == "PII001":
                if sum(c.isdigit() for c in value) < 10 or "/" in value:
                    continue
                lead = _lead_in(t, r.start)
                if own_line.search(lead) or any(rx.search(lead) for rx in own_shape):
                    continue  # offered as the writer's own or a service's line
            seen.add((rule, squash(value)))
            taken.append((r.start, r.end))
            piece = Piece(value, start, end, KIND[rule])
            hits.append(Hit(rule, value, f"Shares {what} '{value}'; {WHY[rule]}.", _confidence(sig, rule),
                            Named(t).add("", [piece]).spans()))
    yield from sorted(hits, key=lambda h: h.spans[0].start if h.spans else 0)
    if not hits and sig.yes(LABEL):
        yield resembles(sig, scan, "PII006", LABEL, "Reads like it shares someone else's personal details",
                        "details that let others find or recognise a person breach their privacy, so "
                        "take a look")
