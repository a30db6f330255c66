"""Workplace in words: posts and captions that show you at work or in uniform, or name your employer
next to what happens there.

The cue words (and the employer's names from the profile) say what links the post to the workplace;
the concern model decides whether the post is a workplace concern at all ("back at work after the
holidays" is not). A post with a confidentiality finding gets a workplace finding too when the model
reads it as a workplace concern (ALONGSIDE, docs/policy.md P18): the two engage different clauses.
Photos are the image analyser's: a post with photos has its caption read there (WRK002, with the text in
the photo), so this module reads posts without photos and text-only captions.
"""
from __future__ import annotations

from typing import Iterator

from ...model import Rule
from .signals import Hit, Named, Scan, TextSignals, lexicon, resembles

LABEL = "workplace"
ORDER = 100
WHY = "posts that tie you to your workplace identify you as a registrant and can show patients, " \
      "colleagues or records"
# True: a post the model reads as a workplace concern gets its own finding even when a confidentiality
# finding is there (P18); False: the confidentiality finding alone, as before. Read at call time, so
# benchmarks/bench_text.py can measure both (--alongside-ab).
ALONGSIDE = True

RULES = [
    Rule("WRK004", "workplace-in-post", "workplace", "medium", "review",
         "The words of a post show you at work or in uniform, or name your workplace.",
         what="Posts and captions the concern model reads as a workplace concern that say you are at work "
              "or in uniform ('on shift', 'in my scrubs'), name a care setting or your employer (from the "
              "profile); each cue is named. Posts the model reads so where no cue could be pointed at are "
              "flagged too. Posts with photos are checked by the image rules instead (WRK002).",
         why="Posts made at work or in uniform identify you as a registrant and your employer; staff "
             "guidance commonly asks for no identifiable uniform or workplace posts, and details from "
             "work can identify patients or colleagues.",
         example="'Quick selfie in my scrubs before the ward round at St Elsewhere's.'",
         fix="Review; delete the post, or edit out the workplace detail."),
]


def _lex():
    return lexicon(LABEL)


def check(sig: TextSignals, scan: Scan, found: tuple[Hit, ...]) -> Iterator[Hit]:
    if sig.unit.origin == "ocr" or any(m.kind == "photo" and not m.missing for m in sig.unit.post.media):
        return            # the image analyser reads photos and their captions (WRK002)
    said = sig.says(LABEL)
    if said is False:
        return
    conf = any(h.rule.startswith("CONF") for h in found)
    if conf and not (ALONGSIDE and said is True):
        return            # the confidentiality finding already names the work context
    lex = _lex()
    at_work = sig.find(lex.words("cues.at_work"), "work")
    uniform = sig.find(lex.words("cues.uniform"), "work")
    setting = sig.find(lex.words("cues.setting"), "work")
    employer = sig.find(scan.employer, "work") if scan.employer is not None else []
    kinds = sum(bool(x) for x in (at_work, uniform, setting, employer))
    if kinds and (said is True or kinds >= 2):
        named = (Named(sig.text).add("at work", at_work, 2).add("uniform", uniform, 2)
                 .add("workplace", setting + employer, 2))
        yield Hit("WRK004", "; ".join(p.text for p in named.named()[:3]),
                  f"Shows you at work or names your workplace, {named.render()}; {WHY}.",
                  min(sig.confidence(LABEL), 0.8), named.spans())
    elif said is True:
        yield resembles(sig, scan, "WRK004", LABEL, "Reads like a post that shows your workplace or uniform",
                        WHY + ", so take a look")
