"""Offensive language: abuse aimed at a person, and obscene or abusive language aimed at no one.

The concern model decides whether the language is offensive: an affectionate insult between friends,
an idiom or a word that only looks rude is not a finding when it reads as none. The word lists say
which words are abusive and the mentions, names and "you" say whom they are aimed at; the user's own
names and handles, and the author credited in a repost, are never the target. Mild swearing aimed at no
one is at most worth a look. A post can engage two standards (abuse of a colleague is a grievance and
offensive language; contempt for a group is discrimination and, often, offensive language): where the
model reads the post as clearly offensive (ALONGSIDE_FROM), it gets an offensive finding beside the
discriminatory or grievance one, naming its abusive words even where that finding names them too
(docs/policy.md P18). Otherwise words such a finding names are not named again, and a post those findings
cover gets no second, vaguer model-only offensive finding.
"""
from __future__ import annotations

import re
from typing import Iterator

from ...model import Rule
from .discriminatory import contempt_denied, homonyms
from .signals import (COMMON, Hit, Named, Piece, Scan, TextSignals, denied, distinct, lexicon, meaningful,
                      resembles)

LABEL = "offensive"
ORDER = 50
PERSON_LABELS = ("PERSON",)
MENTION = re.compile(r"(?<![\w@])@(\w{1,30})")
WHY_AIMED = "abuse of an identifiable person online breaks the duty to be polite and considerate"
WHY_GENERAL = "abusive or obscene public posts can damage trust in you and your profession"
# An offensive finding beside a discriminatory or grievance one (P18) needs the model's offensive probability
# at least this high, not just over its threshold: chosen on training data only (the written posts held out of
# run-s9r2, bench_text.py part cat-training), the lowest value at which the added findings were as often right
# (0.71) as the offensive findings already given (0.72). math.inf: never (one finding per concern, as before).
ALONGSIDE_FROM = 0.6

RULES = [
    Rule("OFF001", "abuse-aimed-at-person", "offensive", "high", "delete",
         "Abusive, obscene or insulting language aimed at a person.",
         what="Posts the concern model reads as offensive whose abusive words are aimed at someone: an "
              "@mention, 'you', or a person's name (never your own names or handles).",
         why="Abuse of identifiable people online is a common reason for fitness-to-practise action; "
             "regulators expect politeness and consideration in personal posts too.",
         example="'@someone you are a pathetic idiot.'",
         fix="Delete the post (or unlike / undo the repost)."),
    Rule("OFF002", "offensive-language", "offensive", "medium", "delete",
         "Abusive or obscene language not aimed at anyone in particular.",
         what="Posts the concern model reads as offensive, with the abusive words named; mild swearing "
              "aimed at no one is low and for review only, and so are posts the model reads as "
              "offensive where no abusive word could be pointed at.",
         why="Swearing and obscenity in public posts can damage public confidence in you and your profession.",
         example="'This f***ing weather is sh*t.'",
         fix="Delete the post, or edit it if the platform allows."),
]


def _lex():
    return lexicon(LABEL)


def insults(sig: TextSignals) -> list[Piece]:
    return sig.find(_lex().words("insults.words"))


def needs_entities(sig: TextSignals, scan: Scan) -> bool:
    said = sig.says(LABEL)
    return said is True or (said is None and bool(insults(sig) or _dehumanising(sig)))


def _dehumanising(sig: TextSignals) -> list[Piece]:
    return sig.find(_lex().patterns("dehumanising.patterns"), "trigger", group=1)


def sayings(sig: TextSignals) -> list[Piece]:
    """Everyday sayings with a rude word in them ("taking the piss", "couldn't organise a piss-up in a
    brewery"): mild swearing aimed at no one, even where a name follows."""
    return distinct(sig.find(_lex().patterns("idioms.patterns")))


def _within(p, spans) -> bool:
    return any(c.start <= p.start and p.end <= c.end for c in spans)


def targets(sig: TextSignals, scan: Scan) -> list[Piece]:
    """Whom the words are aimed at: @mentions and names (not the user's own, not a repost's credited
    author), and 'you'."""
    t = sig.text
    skip = 0
    for rx in _lex().patterns("repost.patterns"):
        m = rx.match(t)
        if m:
            skip = m.end()
    out = [Piece("@" + m.group(1), m.start(), m.end(), "target") for m in MENTION.finditer(t)
           if m.start() >= skip and not scan.is_own(m.group(1))]
    out += [p for p in sig.ents(PERSON_LABELS, "target")
            if p.start >= skip and not scan.is_own(p.text) and not p.text.startswith("@")]
    you = sig.find(lexicon(COMMON).words("pronouns.second_person"), "target")
    return distinct(out)[:3] + you[:1]


def check(sig: TextSignals, scan: Scan, found: tuple[Hit, ...]) -> Iterator[Hit]:
    said = sig.says(LABEL)
    if said is False:
        return            # an affectionate insult, an idiom, a word that only looks rude
    first = [h for h in found if h.rule.startswith("DIS") or h.rule == "GRV001"]
    covered = [p for h in first if not h.model_only for p in h.spans]
    saying = sayings(sig)
    # a rude word inside an everyday saying is the saying, not abuse
    rude = [w for w in distinct(insults(sig)) if not _within(w, saying)]
    words = [w for w in rude if not denied(sig, w)]          # "you're not stupid" calls no one stupid
    vermin = _dehumanising(sig)
    dehumanising = [d for d in vermin if not denied(sig, d)]
    denial = len(words) < len(rude) or len(dehumanising) < len(vermin) or contempt_denied(sig)
    if said is None and not (words or dehumanising or saying):
        return
    # a post the model reads as clearly offensive gets its own finding beside a discriminatory or grievance
    # one (two standards). Otherwise: one finding per concern; abusive words such a finding already names are
    # not named again, and with no words of its own the post needs no second, vaguer finding
    clearly = said is True and sig.p(LABEL) >= ALONGSIDE_FROM
    if not clearly:
        words = [w for w in words if not _within(w, covered)]
        dehumanising = [d for d in dehumanising if not _within(d, covered)]
        if not (words or dehumanising) and first:
            return
    aimed = targets(sig, scan)
    conf = sig.confidence(LABEL)
    if not (words or dehumanising) and saying and not first and not clearly:
        # a saying, and the model does not read the post as clearly offensive: mild swearing, a look only
        # (where it does, something else may be abusive, and the model's finding below stands)
        named = Named(sig.text).add("in an everyday saying", saying, 2)
        yield Hit("OFF002", ", ".join(p.text for p in named.named()[:2]),
                  f"Mild swearing aimed at no one, {named.render()}; worth a look, as public posts reflect on "
                  f"your profession.", min(conf, 0.6), named.spans(), severity="low", action="review")
        return
    look_alike = homonyms(sig)
    if not (words or dehumanising) and look_alike and (
            not clearly or all(_within(w, look_alike) for w in scan.words_that_carried(sig, LABEL))):
        return            # the reading leaned on a word that here means cigarettes or a dish (P8)
    if not (words or dehumanising) and denial and not clearly:
        return            # its only rude words are denied ("you're not an idiot"): a look only if clearly offensive
    if not (words or dehumanising):
        pronouns = lexicon(COMMON).word_set("pronouns.second_person")
        who = [p for p in aimed if p.text.casefold() not in pronouns]
        # beside a discriminatory or grievance finding (P18) the words that make the post offensive are the
        # ones that finding found: name those, not the words the model leaned on ("'country, send'")
        theirs = distinct(p for p in (meaningful(sig.text, sp.start, sp.end) for sp in covered
                                      if sp.kind in ("trigger", "slur")) if p is not None)
        yield resembles(sig, scan, "OFF001" if who else "OFF002", LABEL,
                        "Reads like abuse aimed at someone" if who else "Reads like offensive language",
                        (WHY_AIMED if who else WHY_GENERAL) + ", so take a look", also=who,
                        words=theirs or None)
        return
    named = Named(sig.text)
    if dehumanising and not words:
        named.add("people described as", dehumanising, 2)
    else:
        named.add("abusive or insulting words", words, 4)
    evidence = ", ".join(p.text for p in named.named()[:3])
    if aimed:
        named.add("aimed at", aimed, 3)
        yield Hit("OFF001", f"{evidence}, {aimed[0].text}", f"Offensive language, {named.render(' ')}; {WHY_AIMED}.",
                  conf, named.spans())
        return
    mild = _lex().word_set("insults.mild")
    if not dehumanising and all(p.text.casefold() in mild for p in words):
        yield Hit("OFF002", evidence,
                  f"Mild swearing or rudeness aimed at no one, {named.render()}; worth a look, as public posts "
                  f"reflect on your profession.", min(conf, 0.6), named.spans(), severity="low", action="review")
        return
    yield Hit("OFF002", evidence, f"Offensive language, {named.render()}; {WHY_GENERAL}.", conf, named.spans())
