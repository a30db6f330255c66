"""The summaries below the findings: posts by platform, year, kind of concern and standard, and
the timeline of posts read with the flagged ones overlaid.

Counts are of posts (cards), not findings: a post with three findings is one post to deal with.
Each row names the dimension and key it counts, so the page's script can recount the rows from the
cards a search or filter leaves visible (every count follows the filters).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from . import words

LEVEL_ORDER = {"act": 0, "check": 1, "decided": 2}
DIMENSIONS = (("level", "By urgency"), ("platform", "By platform"), ("category", "By kind of concern"),
              ("year", "By year"), ("clause", "By standard"))


def _frame(cards: Sequence[dict]):
    import pandas as pd     # pandas only here: the summaries are its one job in the report

    rows = []
    for c in cards:
        dims = c["dims"]
        for dim in ("level", "platform", "category", "year", "clause"):
            for key in dims.get(dim, []):
                rows.append({"card": c["anchor"], "dim": dim, "key": key, "act": c["level"] == "act"})
    return pd.DataFrame(rows, columns=["card", "dim", "key", "act"])


def boxes(cards: Sequence[dict], labels: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """One box per dimension: rows {key, label, posts, act} (act: how many of those posts are to
    deal with first). Platforms, concerns and standards most posts first; years in order."""
    df = _frame(cards)
    out = []
    for dim, title in DIMENSIONS:
        part = df[df["dim"] == dim]
        if part.empty:
            continue
        counts = (part.groupby("key")
                  .agg(posts=("card", "nunique"), act=("act", "sum"))
                  .reset_index())
        if dim == "year":
            counts = counts.sort_values("key", key=lambda s: s.map(lambda k: (k == "unknown", k)))
        elif dim == "level":
            counts = counts.sort_values("key", key=lambda s: s.map(lambda k: LEVEL_ORDER.get(k, 9)))
        else:
            counts = counts.sort_values(["posts", "key"], ascending=[False, True])
        rows = [{"key": str(r.key), "label": labels.get(dim, {}).get(str(r.key), str(r.key)),
                 "posts": int(r.posts), "act": int(r.act)} for r in counts.itertuples(index=False)]
        out.append({"dim": dim, "title": title, "rows": rows, "total": int(part["card"].nunique())})
    return out


def timeline(dates: list[datetime], flagged: dict[str, list[datetime]]) -> dict | None:
    """Bars of posts per month (or per year over long histories), with flagged posts overlaid."""
    if not dates:
        return None
    first, last = min(dates), max(dates)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    monthly = months <= 120

    def key(d: datetime) -> str:
        return f"{d.year:04d}-{d.month:02d}" if monthly else f"{d.year:04d}"
    if monthly:
        keys = []
        y, m = first.year, first.month
        for _ in range(months):
            keys.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    else:
        keys = [f"{y:04d}" for y in range(first.year, last.year + 1)]
    counts = {k: 0 for k in keys}
    for d in dates:
        counts[key(d)] += 1
    over = {name: {k: 0 for k in keys} for name in flagged}
    for name, ds in flagged.items():
        for d in ds:
            over[name][key(d)] += 1
    width, height, left, bottom, top = 900, 180, 34, 22, 8
    plot_h = height - bottom - top
    peak = max(counts.values()) or 1
    step = (width - left) / len(keys)
    bar_w = max(1.0, step * 0.8)

    def h(n: int) -> float:
        return round(plot_h * n / peak, 2)
    bars = []
    for i, k in enumerate(keys):
        x = left + i * step
        stack, layers = 0, []
        for name in flagged:
            n = over[name][k]
            if n:
                layers.append({"cls": name, "y": round(top + plot_h - h(stack + n), 2), "h": h(n), "n": n})
                stack += n
        tip = f"{k}: {words.count(counts[k], 'post')} read" + "".join(
            f", {layer['n']} {TIMELINE_LABELS.get(layer['cls'], layer['cls'])}" for layer in layers)
        bars.append({"key": k, "x": round(x, 2), "w": round(bar_w, 2), "n": counts[k],
                     "y": round(top + plot_h - h(counts[k]), 2), "h": h(counts[k]), "layers": layers, "tip": tip})
    labels = []
    seen_years: set[int] = set()
    every = max(1, len({k[:4] for k in keys}) // 12 + 1)
    for i, k in enumerate(keys):
        year = int(k[:4])
        if year in seen_years:
            continue
        seen_years.add(year)
        if (year - first.year) % every == 0:
            labels.append({"x": round(left + i * step, 2), "text": str(year)})
    return {"width": width, "height": height, "bars": bars, "labels": labels, "peak": peak,
            "unit": "month" if monthly else "year", "base": top + plot_h, "left": left}


TIMELINE_LABELS = {"act": "to deal with first", "check": "to look at"}
