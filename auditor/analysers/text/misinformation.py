"""Health misinformation: claims against public-health advice stated as fact.

The claim's shape is found by the patterns in the data file (vaccines, COVID-19, masks, cures); when
the concern model does not read the post as misinformation the claim is left for review. A post that
reports, questions or rebuts a claim is not spreading it.
"""
from __future__ import annotations

from typing import Iterator

from ...model import Rule
from .signals import Hit, Named, Scan, TextSignals, lexicon, resembles

LABEL = "misinformation"
ORDER = 60
WHY = "the public rely on what health professionals say, and regulators expect what you share to be accurate"

RULES = [
    Rule("MIS001", "health-misinformation", "misinformation", "high", "delete",
         "A claim against public-health advice stated as fact.",
         what="Claims about vaccines, COVID-19, masks or cures that contradict public-health advice "
              "(e.g. vaccines cause autism, COVID is a hoax, a diet cures cancer), in a post the concern "
              "model reads as misinformation, unless the post reports, questions or rebuts the claim; "
              "posts the model reads so where no claim could be pointed at are for review only.",
         why="The public rely on what health professionals say; regulators expect you to check that "
             "what you share is accurate and not to undermine public-health advice.",
         example="'The vaccine alters your DNA, don't let them jab your kids.'",
         fix="Delete the post (or undo the repost)."),
]


def _lex():
    return lexicon(LABEL)


def check(sig: TextSignals, scan: Scan, found: tuple[Hit, ...]) -> Iterator[Hit]:
    lex = _lex()
    said = sig.says(LABEL)
    t = sig.text
    hedges = sig.find(lex.patterns("rebuttal.hedge_patterns"))
    rebuttals = [w for w in sig.find(lex.words("rebuttal.words"))
                 if not any(h.start <= w.start < h.end for h in hedges)]
    rebutted = bool(rebuttals)
    # the model's reading stands unless a rebuttal word does more than call something a myth or a conspiracy
    predicates = sig.find(lex.patterns("rebuttal.predicate_patterns")) if rebuttals else []
    model_rebutted = any(not any(q.start <= w.start < q.end for q in predicates) for w in rebuttals)
    if not rebutted:
        question = lex.patterns("rebuttal.question_patterns")
        negated = lex.patterns("rebuttal.negated_patterns")
        denial = lex.patterns("rebuttal.denial_patterns")
        for topic in lex.table("claims"):
            for p in sig.find(lex.patterns(("claims", topic, "patterns"))):
                if any(q.match(t[p.end:p.end + 40]) for q in question):
                    continue      # asked, not stated
                if any(n.search(p.text) for n in negated):
                    continue      # denied: "the vaccine doesn't change your DNA"
                if any(d.search(t[p.end:p.end + 100]) for d in denial):
                    continue      # answered right after: "... causes infertility" keeps coming up. It doesn't.
                named = Named(t).add("", [p], 1)
                yield Hit("MIS001", p.text, f"A claim about {topic} against public-health advice, stated as "
                          f"fact, {named.render()}; {WHY}.", sig.confidence(LABEL), named.spans())
                return
    if said is True and not model_rebutted:
        yield resembles(sig, scan, "MIS001", LABEL, "Reads like a health claim against public-health advice",
                        WHY + ", so take a look")
