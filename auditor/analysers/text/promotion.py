"""Promotion: promotional claims about health services that may mislead (guaranteed results, miracle
cures, discount codes next to health claims). The patterns say which words; the concern model weighs
them (what it does not read as promotion is left for review) and finds the ones no pattern was written
for (review only)."""
from __future__ import annotations

from typing import Iterator

from ...model import Rule
from .signals import Hit, Named, Scan, TextSignals, lexicon, preceded, resembles

LABEL = "promotion"
ORDER = 90
WHY = "regulators require promotional activity to be accurate and not misleading"

RULES = [
    Rule("PRM001", "misleading-health-promotion", "promotion", "medium", "review",
         "Promotional claims that may be inaccurate or misleading.",
         what="Promises of guaranteed results, miracle or 100% cures, and discount codes next to health "
              "claims, in a post the concern model reads as promotion; posts the model reads so where no "
              "such words could be pointed at are for review only.",
         why="Regulators require promotional activity to be accurate and not misleading.",
         example="'Guaranteed pain-free in one session! Code SAVE20.'",
         fix="Edit the claim to what the evidence supports, or delete the post."),
]


def check(sig: TextSignals, scan: Scan, found: tuple[Hit, ...]) -> Iterator[Hit]:
    said = sig.says(LABEL)
    lex = lexicon(LABEL)
    claims = [] if sig.find(lex.patterns("claims.warning_patterns")) else [
        c for c in sig.find(lex.patterns("claims.patterns"))        # "no discount codes": not a claim made
        if not preceded(sig, c, lex.patterns("claims.not_patterns"))]
    if claims:
        named = Named(sig.text).add("", claims, 2)
        yield Hit("PRM001", claims[0].text, f"A promotional claim that may mislead, {named.render()}; {WHY}.",
                  sig.confidence(LABEL), named.spans())
    elif said is True:            # beside an offer of private treatment (BND002): two standards, two findings (P18)
        yield resembles(sig, scan, "PRM001", LABEL, "Reads like promotion with claims that may mislead",
                        WHY + ", so take a look")
