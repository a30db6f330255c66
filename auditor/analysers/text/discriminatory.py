"""Discriminatory language: slurs, and contempt for people by a protected characteristic.

A slur is found by its word and named with its characteristic (Equality Act 2010); a group named with
contempt or a sweeping generalisation is found by the words, when the concern model also reads the
post as discriminatory. Civil political or religious opinion, lawful union activity and news about
public figures are not discrimination (docs/policy.md): there is no rule for opinion as such, and the
model's "no" stands over a generalisation. Groups named by where people come from or their migration
status are described as such, never as a race.
"""
from __future__ import annotations

from typing import Iterator

from ...model import Rule
from .signals import DOUBTED, SURE, Hit, Named, Piece, Scan, TextSignals, denied, distinct, lexicon, resembles

LABEL = "discriminatory"
ORDER = 30
WHY = "contempt for people by who they are conflicts with the duty not to discriminate against service " \
      "users, carers or colleagues"

RULES = [
    Rule("DIS001", "slur", "discriminatory", "high", "delete",
         "A slur for a group with a protected characteristic.",
         what="Slurs and derogatory names for people by race, nationality, religion or belief, sex, sexual "
              "orientation, gender reassignment, disability or age; the explanation names the characteristic.",
         why="Discriminatory language online is treated as serious misconduct by every UK regulator and "
             "conflicts with the duty not to discriminate against service users, carers or colleagues.",
         example="A post calling a group by a racial slur.",
         fix="Delete the post (or unlike / undo the repost)."),
    Rule("DIS002", "contempt-for-group", "discriminatory", "high", "delete",
         "Contempt or a stereotype about people with a protected characteristic.",
         what="A group named by a protected characteristic with contempt words ('vermin', 'disgusting') or a "
              "sweeping generalisation ('all X are ...'), in a post the concern model reads as "
              "discriminatory; posts the model reads so where no such words could be pointed at are for "
              "review only. Civil opinion on politics or religion, union activity and news are not flagged.",
         why="Contempt for a group conflicts with the duty not to let values or beliefs lead to "
             "discrimination, and undermines the trust of service users from that group.",
         example="'Immigrants are vermin.'",
         fix="Delete the post."),
]


def _lex():
    return lexicon(LABEL)


def characteristic(key: str) -> str:
    return _lex().table("characteristics")[key]


def groups(sig: TextSignals) -> list[tuple[str, Piece]]:
    out = []
    for ch, rx in _lex().groups("groups").items():
        out += [(ch, p) for p in sig.find(rx, "group")]
    return sorted(out, key=lambda x: x[1].start)


def homonyms(sig: TextSignals) -> list[Piece]:
    """Everyday British phrasings in which a word that looks like a slur means something else ("off the
    fags", "faggots and peas"): not a slur, and no ground for reading contempt or abuse."""
    return distinct(sig.find(_lex().patterns("homonyms.patterns")))


def contempt_denied(sig: TextSignals) -> bool:
    """The post holds contempt words and a negation denies every one ("gay men are not perverts")."""
    said_of = sig.find(_lex().words("contempt.words"))
    return bool(said_of) and all(denied(sig, c) for c in said_of)


def check(sig: TextSignals, scan: Scan, found: tuple[Hit, ...]) -> Iterator[Hit]:
    lex = _lex()
    t = sig.text
    said = sig.says(LABEL)
    rude = sig.says("offensive")
    look_alike = homonyms(sig)
    any_slur = False
    for ch, rx in lex.groups("slurs").items():
        ps = [p for p in sig.find(rx, "slur") if not any(h.start <= p.start and p.end <= h.end for h in look_alike)]
        if not ps:
            continue
        any_slur = True
        named = Named(t).add("", ps, 2)
        # a slur reported or quoted (the model reads neither contempt nor abuse) is for review
        conf = DOUBTED if said is False and rude is not True else SURE
        yield Hit("DIS001", ps[0].text,
                  f"A slur for people by {characteristic(ch)} (a protected characteristic), {named.render()}; "
                  f"{WHY}.", conf, named.spans())
    if any_slur or said is False:
        return
    if contempt_denied(sig):
        return            # every contempt word is denied ("gay men are not perverts"): counter-speech (P6)
    contempt = sig.find(lex.words("contempt.words"))
    for ch, g in groups(sig):
        near = [c for c in contempt if -30 < c.start - g.start < 60 and not (c.start < g.end and g.start < c.end)]
        before = t[max(0, g.start - 20):g.start]
        general = lex.words("contempt.generalisers").search(before)
        if near or (general and said is True):
            named = Named(t).add(f"named by {characteristic(ch)}", [g], 1)
            if near:
                named.add("with", near, 2)
            else:
                gp = Piece(general.group(0), max(0, g.start - 20) + general.start(),
                           max(0, g.start - 20) + general.end(), "trigger")
                named.add("in a sweeping generalisation", [gp], 1)
            conf = sig.confidence(LABEL) if near else min(sig.confidence(LABEL), 0.7)
            yield Hit("DIS002", g.text, f"Contempt for a group, {named.render(' ')}; {WHY}.", conf, named.spans())
            return
    if said is True:
        gs = [g for _, g in groups(sig)][:2]
        if look_alike and not gs:
            return        # no group named, and the word the reading leaned on means cigarettes or a dish
        what = ("Reads like contempt for people by " + characteristic(groups(sig)[0][0])) if gs else \
            "Reads like contempt for a group of people"
        yield resembles(sig, scan, "DIS002", LABEL, what, WHY + ", so take a look", also=gs)
