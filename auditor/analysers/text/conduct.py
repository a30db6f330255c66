"""Conduct outside work: drink and drugs, posting while off sick, drinking posts late at night, and
other behaviour the concern model reads as undermining trust (review only).

The patterns say what was said ("pulled a sickie", "absolutely hammered", "off my face") and whether
the writer says it of themselves; the concern model weighs them (what it does not read as a conduct
concern is left for review) and finds the behaviour no pattern was written for (review only).
"""
from __future__ import annotations

from typing import Iterator

from ...model import Rule
from .signals import COMMON, Hit, Named, Scan, TextSignals, denied, lexicon, preceded, resembles

LABEL = "conduct"
ORDER = 80
WHY = "conduct outside work must justify the public's trust in you and your profession"

RULES = [
    Rule("CND001", "drink-or-drugs", "conduct", "medium", "review",
         "Posts about getting drunk or using drugs.",
         what="First-person posts about being drunk, hungover or using illegal drugs, in a post the concern "
              "model reads as a conduct concern.",
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
    Rule("CND008", "conduct-concern", "conduct", "medium", "review",
         "A post that reads like behaviour outside work that could undermine trust in you.",
         what="Posts the concern model reads as a conduct concern (dishonesty, dangerous or illegal "
              "behaviour, boasting about breaking rules at work) where no drink, drugs or sick-leave words "
              "could be pointed at. Review only: the words that carried the verdict are named.",
         why="Regulators judge conduct outside work too: it must justify the public's trust in you and "
             "your profession.",
         example="'Signed the visit off as done, she'll never know I didn't go.'",
         fix="Review; delete the post if it shows behaviour you would not defend to your regulator."),
]


def _lex():
    return lexicon(LABEL)


def check(sig: TextSignals, scan: Scan, found: tuple[Hit, ...]) -> Iterator[Hit]:
    lex = _lex()
    said = sig.says(LABEL)
    t = sig.text
    hit = False
    sick = sig.find(lex.patterns("sick.off_sick_patterns"))
    if sick:
        fun = sig.find(lex.words("sick.fun"))
        if fun or any(rx.search(sick[0].text) for rx in lex.patterns("sick.sickie_patterns")):
            named = Named(t).add("", sick, 1).add("with", fun, 2)
            hit = True
            yield Hit("CND002", sick[0].text, f"Says you were off sick, {named.render(' ')}; posting while off "
                      f"sick can look as if the leave was not genuine.", sig.confidence(LABEL), named.spans())
    # someone else drunk ("another drunk tried chatting me up", "like a drunk spider") or a denial ("I'm not
    # drunk") is not the writer drinking
    drink = [d for d in sig.find(lex.patterns("drink.patterns")) if not denied(sig, d) and not (
        preceded(sig, d, lex.patterns("drink.someone_else_patterns"))
        and not preceded(sig, d, lex.patterns("drink.self_patterns")))]
    drugs = sig.find(lex.patterns("drugs.patterns"))
    first = (drugs or drink)[:1]
    if first:
        m = first[0]
        window = t[max(0, m.start - 40):m.end + 20]
        own = lexicon(COMMON).words("pronouns.first_person").search(window) or (
            drugs and lex.words("drugs.intoxicated").search(t) and not lex.words("drugs.third_party").search(window)
            and not sig.endorsed)
        created = sig.unit.post.created_at
        late = created is not None and (created.hour >= 23 or created.hour < 5)
        if drink and late:
            named = Named(t).add("", drink, 1)
            hit = True
            yield Hit("CND003", drink[0].text, f"A drinking post sent at {created:%H:%M} UTC, {named.render()}; "
                      f"late-night posts after drinking are where most regrettable posts come from.",
                      min(sig.confidence(LABEL), 0.6), named.spans())
        elif own:
            what = "drug use" if drugs else "drinking"
            named = Named(t).add("", first, 1)
            hit = True
            yield Hit("CND001", m.text, f"A first-person post about {what}, {named.render()}; {WHY}.",
                      min(sig.confidence(LABEL), 0.7), named.spans())
    if said is True and not hit:
        yield resembles(sig, scan, "CND008", LABEL, "Reads like behaviour outside work that could undermine "
                        "trust in you", WHY + ", so take a look")
