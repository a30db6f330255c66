"""Hard negatives drawn here with Pillow: the pictures in a camera roll that a clinical head trained on
radiographs and slides mistakes for them (issue 16, "a white page of text is an X-ray").

Kinds (the manifest's `kind` column):
- `page`: pages of text: letters, lists (a few words on a mostly empty page too), forms, receipts,
  rotas, timetables, menus and slides, in several typefaces, sizes, ink and paper colours;
- `screenshot`: phone and desktop screenshots in light mode: chats with bubbles, social feeds with
  photos, settings screens, notes, e-mail and home screens with abstract wallpapers and app icons;
- `dark-mode`: the same screens in dark mode (light text on black: the negative a radiograph
  resembles most);
- `paper-photo`: a phone photo of a page: at an angle (perspective), on a desk or fabric, lit
  unevenly, with a shadow, blur and sensor noise; some in black and white;
- `whiteboard`: marker writing, boxes and arrows on a whiteboard, photographed;
- `chart`: spreadsheets, bar, pie and line charts, light and dark;
- `graphic`: saved wallpapers and graphics (gradients, soft blobs, rings, waves).
`render:sparse` (kind `page`) and `render:darktext` (kind `dark-mode`) are a few words on an empty
page or screen, light or dark: the first retraining without them still scored two lines of light
text on black as an X-ray.

Training and dev pictures differ by seed AND by layout: seeds from DEV_SEED up draw with other
typefaces (the condensed and extra-light DejaVu faces, never used for training), other colour
palettes, other screen sizes and other wording, so the dev figure measures more than memorised
layouts. `photo(rng)` (given by collect.py) returns a real ordinary photo of the same split for the
pictures inside feeds and wallpapers; without it an abstract picture is drawn instead.

Typefaces: DejaVu (Bitstream Vera / Arev licence, free to use and modify; installed with the
system) and Pillow's built-in default face; only the drawn pictures use them (nothing ships).
"""
from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Callable

DEV_SEED = 100000
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
TRAIN_FACES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSerif.ttf",
               "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf",
               "<default>")
DEV_FACES = ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf", "DejaVuSerifCondensed.ttf",
             "DejaVuSerifCondensed-Italic.ttf", "DejaVuSans-ExtraLight.ttf", "DejaVuSansMono-Oblique.ttf",
             "DejaVuSans-BoldOblique.ttf")
MONO = {"train": ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"), "dev": ("DejaVuSansMono-Oblique.ttf",)}

WORDS = {
    "train": ("the of and to in for with on at from by about meeting minutes date name total notes page "
              "section item results summary please see attached monday tuesday agenda dear regards thank "
              "you letter invoice amount due reference account number price quantity description signed "
              "garden school parents evening football club practice holiday booking confirmed flight "
              "hotel check dinner tonight remember bring tickets weekend plans birthday party cake "
              "shopping list milk eggs bread butter apples coffee tea rice pasta cheese bananas").split(),
    "dev": ("a is was will our your this that have has community centre council tax bill payment "
            "reminder week library books return renewal bus route timetable departures arrives platform "
            "quiz night team scores recipe oven minutes sugar flour stir serve warm chapter story once "
            "upon time river walk village market fresh fruit vegetables bakery open closed sunday "
            "saturday wednesday thursday friday car service mot garage parts labour vat receipt").split(),
}
FIRST = ("Alex", "Sam", "Jo", "Priya", "Tom", "Mia", "Chris", "Ayo", "Ben", "Leah", "Kim", "Ravi", "Nina",
         "Owen", "Zara", "Dan", "Ella", "Femi", "Gus", "Hana")
LAST = ("Smith", "Jones", "Patel", "Brown", "Okafor", "Khan", "Taylor", "Evans", "Walsh", "Novak", "Reid")

PALETTES = {   # (accent colours for bubbles, bars and headings)
    "train": [(0, 122, 255), (52, 199, 89), (37, 211, 102), (88, 86, 214), (255, 59, 48), (0, 150, 136),
              (66, 103, 178), (225, 48, 108), (255, 149, 0)],
    "dev": [(29, 161, 242), (0, 132, 255), (7, 94, 84), (233, 30, 99), (121, 85, 72), (255, 193, 7),
            (96, 125, 139), (156, 39, 176)],
}


def variant(seed: int) -> str:
    return "dev" if seed >= DEV_SEED else "train"


def font(rng: random.Random, v: str, size: int, mono: bool = False):
    from PIL import ImageFont
    face = rng.choice(MONO[v] if mono else (TRAIN_FACES if v == "train" else DEV_FACES))
    size = max(6, int(size))
    if face == "<default>":
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(str(FONT_DIR / face), size)


def sentence(rng: random.Random, v: str, lo: int = 3, hi: int = 10) -> str:
    s = " ".join(rng.choice(WORDS[v]) for _ in range(rng.randint(lo, hi)))
    return s[0].upper() + s[1:]


def name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def text_w(d, s: str, f) -> float:
    return d.textlength(s, font=f)


def wrap(d, s: str, f, width: float) -> list[str]:
    lines, cur = [], ""
    for w in s.split():
        t = (cur + " " + w).strip()
        if cur and text_w(d, t, f) > width:
            lines.append(cur)
            cur = w
        else:
            cur = t
    if cur:
        lines.append(cur)
    return lines


def abstract(rng: random.Random, w: int, h: int):
    """An abstract picture (gradient, soft blobs or waves): wallpapers and pictures in feeds."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    c1 = np.array([rng.randint(0, 255) for _ in range(3)], np.float32)
    c2 = np.array([rng.randint(0, 255) for _ in range(3)], np.float32)
    ang = rng.uniform(0, math.pi)
    t = ((xx * math.cos(ang) + yy * math.sin(ang)) / (w + h) + 0.5).clip(0, 1)[..., None]
    arr = c1 * (1 - t) + c2 * t
    im = Image.fromarray(arr.clip(0, 255).astype("uint8"))
    d = ImageDraw.Draw(im)
    style = rng.choice(["blobs", "waves", "plain", "circles"])
    if style in ("blobs", "circles"):
        for _ in range(rng.randint(3, 14)):
            r = rng.randint(w // 12, w // 3)
            x, y = rng.randint(-r, w), rng.randint(-r, h)
            col = tuple(rng.randint(0, 255) for _ in range(3))
            if style == "blobs":
                d.ellipse([x, y, x + r, y + int(r * rng.uniform(0.6, 1.4))], fill=col)
            else:
                d.ellipse([x, y, x + r, y + r], outline=col, width=rng.randint(2, 12))
        if style == "blobs":
            im = im.filter(ImageFilter.GaussianBlur(rng.uniform(2, 25)))
    elif style == "waves":
        for k in range(rng.randint(2, 6)):
            col = tuple(rng.randint(0, 255) for _ in range(3))
            amp, per, off = rng.uniform(10, h / 6), rng.uniform(w / 3, w * 2), rng.uniform(0, h)
            pts = [(x, off + amp * math.sin(2 * math.pi * x / per + k)) for x in range(0, w + 8, 8)]
            d.polygon(pts + [(w, h), (0, h)], fill=col)
        im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0, 6)))
    return im


def picture(rng, w, h, photo: Callable | None):
    from PIL import ImageOps
    im = photo(rng) if photo is not None and rng.random() < 0.75 else None
    if im is None:
        return abstract(rng, max(w, 8), max(h, 8))
    return ImageOps.fit(im.convert("RGB"), (max(w, 8), max(h, 8)))


# -- pages ---------------------------------------------------------------------------------------
def page(seed: int, photo: Callable | None = None):
    """A page of text, flat: letter, list, form, receipt, rota, timetable, menu or slide."""
    from PIL import Image, ImageDraw
    rng = random.Random(seed * 7 + 1)
    v = variant(seed)
    layouts = ["letter", "list", "form", "receipt", "rota", "timetable", "menu", "slide", "note"]
    kind = rng.choice(layouts)
    if kind == "receipt":
        w, h = rng.randint(300, 420), rng.randint(700, 1300)
    elif kind == "slide":
        w, h = rng.choice([(1280, 720), (1024, 768), (1600, 900)] if v == "train" else [(1366, 768), (1200, 675)])
    else:
        w, h = rng.choice([(850, 1100), (1100, 850), (700, 990), (600, 900)] if v == "train"
                          else [(794, 1123), (1123, 794), (640, 960)])
    if kind == "slide":
        dark = rng.random() < 0.35
        accent = rng.choice(PALETTES[v])
        bg = rng.choice([(20, 24, 35), (0, 0, 0), accent]) if dark else rng.choice([(255, 255, 255), (245, 245, 240)])
        ink = (240, 240, 240) if dark else (rng.randint(0, 60),) * 3
    else:
        paper = rng.choice([(255, 255, 255), (255, 255, 255), (250, 248, 240), (255, 250, 205), (245, 245, 245),
                            (235, 240, 250)])
        bg = paper
        ink = rng.choice([(0, 0, 0), (30, 30, 30), (60, 60, 60), (10, 30, 110), (20, 20, 80)])
        accent = rng.choice(PALETTES[v] + [ink])
    im = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(im)
    base = rng.choice([11, 13, 15, 18, 22, 28, 36]) * (w / 850)
    base = max(9, base)
    f = font(rng, v, base, mono=kind == "receipt")
    fh = font(rng, v, base * rng.uniform(1.5, 2.6))
    m = int(w * rng.uniform(0.06, 0.14))
    y = int(h * rng.uniform(0.04, 0.12))
    line = base * rng.uniform(1.3, 1.9)
    if kind == "letter" or kind == "note":
        if rng.random() < 0.6:
            for _ in range(rng.randint(2, 4)):
                d.text((w - m - text_w(d, "00 Xxxxxx Road", f), y), sentence(rng, v, 1, 3), font=f, fill=ink)
                y += line
            y += line
        d.text((m, y), f"Dear {rng.choice(FIRST)},", font=f, fill=ink)
        y += line * 1.6
        for _ in range(rng.randint(1, 6) if kind == "letter" else rng.randint(1, 2)):
            for ln in wrap(d, " ".join(sentence(rng, v) + "." for _ in range(rng.randint(1, 5))), f, w - 2 * m):
                if y > h - m:
                    break
                d.text((m, y), ln, font=f, fill=ink)
                y += line
            y += line * 0.7
        d.text((m, y + line), rng.choice(["Best wishes,", "Kind regards,", "Thanks,", "Love,"]), font=f, fill=ink)
        d.text((m, y + 2.2 * line), rng.choice(FIRST), font=f, fill=ink)
    elif kind == "list":
        d.text((m, y), rng.choice(["Shopping list", "To do", "Packing", "Jobs this week", "Ideas", "Gifts",
                                   "Things to buy", "Reminders"]), font=fh, fill=accent)
        y += line * 2
        for _ in range(rng.randint(2, 14)):
            if y > h - m:
                break
            bullet = rng.choice(["- ", "* ", "[ ] ", "", "1. "])
            d.text((m, y), bullet + sentence(rng, v, 1, 3), font=f, fill=ink)
            y += line * rng.uniform(1.0, 1.6)
    elif kind == "form":
        d.text((m, y), sentence(rng, v, 2, 4).title(), font=fh, fill=accent)
        y += line * 2.5
        while y < h - m - line:
            label = sentence(rng, v, 1, 2) + ":"
            d.text((m, y), label, font=f, fill=ink)
            x0 = m + text_w(d, label, f) + 10
            if rng.random() < 0.5:
                d.line([(x0, y + base * 1.1), (w - m, y + base * 1.1)], fill=ink, width=1)
            else:
                d.rectangle([x0, y - 3, w - m, y + base * 1.3], outline=ink)
            if rng.random() < 0.3:
                for k in range(rng.randint(2, 4)):
                    bx = x0 + k * base * 5
                    d.rectangle([bx, y + base * 1.8, bx + base, y + base * 2.8], outline=ink)
                y += line
            y += line * rng.uniform(1.3, 2.2)
    elif kind == "receipt":
        d.text((m, y), rng.choice(["SUPERSTORE", "CAFE", "GARAGE", "PHARMACY", "MARKET", "NEWSAGENT"]), font=fh,
               fill=ink)
        y += line * 2
        total = 0.0
        for _ in range(rng.randint(3, 25)):
            if y > h - 4 * line:
                break
            p = rng.randint(20, 2000) / 100
            total += p
            item = sentence(rng, v, 1, 2).upper()[:16]
            d.text((m, y), item, font=f, fill=ink)
            d.text((w - m - text_w(d, f"{p:.2f}", f), y), f"{p:.2f}", font=f, fill=ink)
            y += line
        d.line([(m, y), (w - m, y)], fill=ink)
        d.text((m, y + 6), "TOTAL", font=f, fill=ink)
        d.text((w - m - text_w(d, f"{total:.2f}", f), y + 6), f"{total:.2f}", font=f, fill=ink)
        y += line * 2
        if rng.random() < 0.6:                          # a barcode
            x = m
            while x < w - m:
                bw = rng.choice([1, 2, 3])
                d.rectangle([x, y, x + bw - 1, y + line * 2], fill=ink)
                x += bw + rng.choice([1, 2, 3])
    elif kind in ("rota", "timetable"):
        d.text((m, y), rng.choice(["Rota", "Cleaning rota", "Timetable", "Bus times", "Week plan", "Lifts"])
               if kind == "rota" or v == "train" else rng.choice(["Departures", "Schedule", "Class times"]),
               font=fh, fill=accent)
        y += line * 2.2
        cols = rng.randint(3, 8)
        cw = (w - 2 * m) / cols
        rh = line * rng.uniform(1.2, 1.8)
        head = rng.random() < 0.6
        r = 0
        while y + rh < h - m:
            if head and r == 0:
                d.rectangle([m, y, w - m, y + rh], fill=tuple(min(255, c + 150) for c in accent))
            for c in range(cols):
                x = m + c * cw
                d.rectangle([x, y, x + cw, y + rh], outline=(150, 150, 150))
                if kind == "timetable":
                    txt = f"{rng.randint(6, 23):02d}:{rng.choice([0, 15, 30, 45]):02d}" if c else sentence(rng, v, 1, 1)
                else:
                    txt = rng.choice(FIRST) if c else rng.choice(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
                if rng.random() < 0.85:
                    d.text((x + 4, y + 2), txt, font=f, fill=ink)
            y += rh
            r += 1
            if r > 30:
                break
    elif kind == "menu":
        d.text((w / 2 - text_w(d, "Menu", fh) / 2, y), "Menu", font=fh, fill=accent)
        y += line * 2.5
        while y < h - m:
            it = sentence(rng, v, 1, 3)
            d.text((m, y), it, font=f, fill=ink)
            pr = f"{rng.randint(3, 25)}.{rng.choice(['00', '50', '95'])}"
            d.text((w - m - text_w(d, pr, f), y), pr, font=f, fill=ink)
            y += line * rng.uniform(1.2, 2.4)
    else:                                               # slide
        d.text((m, y), sentence(rng, v, 2, 5), font=fh, fill=accent if bg != accent else ink)
        y += line * 3
        for _ in range(rng.randint(1, 6)):
            if y > h - m:
                break
            for ln in wrap(d, "\u2022 " + sentence(rng, v, 2, 8), f, w - 2 * m - (w // 3 if rng.random() < 0.3 else 0)):
                d.text((m, y), ln, font=f, fill=ink)
                y += line
            y += line * 0.5
        if rng.random() < 0.4:
            pw, ph = w // 3, h // 3
            im.paste(picture(rng, pw, ph, photo), (w - m - pw, h // 3))
    return im


def paper_photo(seed: int, photo: Callable | None = None):
    """A phone photo of a page: perspective, background, uneven light, shadow, blur, noise."""
    import numpy as np
    from PIL import Image, ImageFilter, ImageDraw
    rng = random.Random(seed * 7 + 2)
    v = variant(seed)
    pg = page(seed + 50000 if v == "train" else seed + 500000, photo)
    W, H = rng.choice([(1200, 1600), (1600, 1200), (1000, 1333)] if v == "train" else [(1080, 1440), (1440, 1080)])
    bgc = rng.choice([(120, 85, 55), (150, 110, 70), (60, 60, 65), (190, 180, 160), (30, 30, 30), (90, 110, 130),
                      (200, 200, 205), (160, 40, 40)])
    bg = np.ones((H, W, 3), np.float32) * np.array(bgc, np.float32)
    if rng.random() < 0.5:                               # wood grain or fabric: stripes and noise
        yy = np.arange(H, dtype=np.float32)[:, None, None]
        bg *= 1 + 0.12 * np.sin(yy / rng.uniform(3, 30) + np.random.default_rng(seed).normal(0, 0.5, (H, 1, 1)))
    bg = Image.fromarray(bg.clip(0, 255).astype("uint8"))
    # the page's corners on the photo (a tilted, keystoned quadrilateral)
    scale = rng.uniform(0.55, 0.95) * min(W / pg.width, H / pg.height)
    pw, ph = pg.width * scale, pg.height * scale
    cx, cy = W / 2 + rng.uniform(-0.1, 0.1) * W, H / 2 + rng.uniform(-0.1, 0.1) * H
    ang = math.radians(rng.uniform(-20, 20))
    corners = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        x, y = sx * pw / 2, sy * ph / 2
        x *= 1 + rng.uniform(-0.12, 0.12) * (sy < 0)          # keystone: the top edge shorter or longer
        corners.append((cx + x * math.cos(ang) - y * math.sin(ang) + rng.uniform(-15, 15),
                        cy + x * math.sin(ang) + y * math.cos(ang) + rng.uniform(-15, 15)))
    coeffs = _perspective(corners, pg.width, pg.height)
    warped = pg.transform((W, H), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR)
    mask = Image.new("L", pg.size, 255).transform((W, H), Image.Transform.PERSPECTIVE, coeffs,
                                                   Image.Resampling.BILINEAR)
    if rng.random() < 0.6:                                # a soft shadow under the page
        sh = Image.new("L", (W, H), 0)
        off = rng.randint(4, 25)
        ImageDraw.Draw(sh).polygon([(x + off, y + off) for x, y in corners], fill=140)
        sh = sh.filter(ImageFilter.GaussianBlur(12))
        bg = Image.composite(Image.new("RGB", (W, H), (0, 0, 0)), bg, sh)
    out = Image.composite(warped, bg, mask)
    arr = np.asarray(out, np.float32)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    lx, ly = rng.uniform(0, W), rng.uniform(0, H)            # a lamp or window: light falls off
    dist = np.sqrt((xx - lx) ** 2 + (yy - ly) ** 2) / max(W, H)
    light = rng.uniform(0.95, 1.1) - rng.uniform(0.2, 0.6) * dist
    tint = np.array([1.0, rng.uniform(0.95, 1.0), rng.uniform(0.82, 1.0)], np.float32)
    arr = arr * light[..., None] * tint + np.random.default_rng(seed).normal(0, rng.uniform(2, 7), arr.shape)
    out = Image.fromarray(arr.clip(0, 255).astype("uint8")).filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.8)))
    if rng.random() < 0.25:                               # a black-and-white photo or scan
        out = out.convert("L").convert("RGB")
    return out


def _perspective(dst, w, h):
    """Coefficients for Image.transform(PERSPECTIVE): output (photo) point -> input (page) point."""
    import numpy as np
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    A, B = [], []
    for (x, y), (u, v) in zip(dst, src):
        A.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        A.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        B += [u, v]
    return [float(c) for c in np.linalg.solve(np.array(A, float), np.array(B, float))]


# -- screens -------------------------------------------------------------------------------------
def screen(seed: int, photo: Callable | None = None, dark: bool | None = None):
    """A screenshot: chat, feed, settings, notes, e-mail or home screen; light or dark."""
    from PIL import Image, ImageDraw
    rng = random.Random(seed * 7 + 3)
    v = variant(seed)
    if dark is None:
        dark = rng.random() < 0.5
    phone = rng.random() < 0.8
    if phone:
        w, h = rng.choice([(540, 1170), (590, 1280), (500, 1080)] if v == "train" else [(562, 1218), (480, 1040)])
    else:
        w, h = rng.choice([(1280, 800), (1440, 900)] if v == "train" else [(1366, 768), (1280, 720)])
    bg = rng.choice([(0, 0, 0), (18, 18, 18), (28, 28, 30), (21, 32, 43)]) if dark else \
        rng.choice([(255, 255, 255), (242, 242, 247), (250, 250, 250), (236, 229, 221)])
    fg = rng.choice([(255, 255, 255), (230, 230, 230), (200, 200, 205)]) if dark else \
        rng.choice([(0, 0, 0), (20, 20, 20), (50, 50, 55)])
    sub = tuple(int(a * 0.55 + b * 0.45) for a, b in zip(fg, bg))
    card = tuple(min(255, c + rng.randint(12, 30)) for c in bg) if dark else \
        rng.choice([(255, 255, 255), (240, 240, 240), (248, 248, 250)])
    accent = rng.choice(PALETTES[v])
    im = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(im)
    u = w / 540 if phone else w / 1280
    f = font(rng, v, rng.uniform(15, 22) * u * (1 if phone else 0.9))
    fb = font(rng, v, rng.uniform(20, 30) * u)
    small = font(rng, v, 12 * u)
    app = rng.choice(["chat", "feed", "settings", "notes", "mail", "home"])
    # status bar
    d.text((16 * u, 8 * u), f"{rng.randint(0, 23)}:{rng.randint(0, 59):02d}", font=small, fill=fg)
    d.rectangle([w - 50 * u, 10 * u, w - 20 * u, 22 * u], outline=fg)
    d.rectangle([w - 48 * u, 12 * u, w - 48 * u + 26 * u * rng.uniform(0.1, 1), 20 * u], fill=fg)
    top = 40 * u
    if app == "home":
        wall = picture(rng, w, h, photo)
        im.paste(wall, (0, 0))
        d = ImageDraw.Draw(im)
        d.text((16 * u, 8 * u), f"{rng.randint(0, 23)}:{rng.randint(0, 59):02d}", font=small, fill=(255, 255, 255))
        cols = 4 if phone else 8
        icon = (w / cols) * 0.62
        for r in range(rng.randint(2, 6)):
            for c in range(cols):
                if rng.random() < 0.15:
                    continue
                x = (c + 0.19) * w / cols
                y = top + 40 * u + r * icon * 1.7
                col = rng.choice(PALETTES[v] + [(255, 255, 255), (40, 40, 40)])
                d.rounded_rectangle([x, y, x + icon, y + icon], radius=icon * 0.22, fill=col)
                g = rng.choice("ABCDEFGHKMNPRSTW")
                d.text((x + icon * 0.3, y + icon * 0.2), g, font=fb,
                       fill=(255, 255, 255) if sum(col) < 500 else (0, 0, 0))
                d.text((x, y + icon + 4 * u), rng.choice(WORDS[v])[:8], font=small, fill=(255, 255, 255))
        d.rounded_rectangle([10 * u, h - 120 * u, w - 10 * u, h - 20 * u], radius=30 * u,
                            fill=tuple(int(c * 0.6) for c in bg) if dark else (220, 220, 225))
        return im
    # title bar
    d.rectangle([0, top, w, top + 56 * u], fill=accent if rng.random() < 0.4 else card)
    title = {"chat": name(rng), "feed": rng.choice(["Home", "For you", "Following", "Feed"]),
             "settings": "Settings", "notes": "Notes", "mail": "Inbox"}[app]
    d.text((60 * u, top + 14 * u), title, font=fb, fill=fg if d.im.getpixel((1, int(top + 2))) != accent else (255, 255, 255))
    y = top + 70 * u
    if app == "chat":
        mine = accent if rng.random() < 0.7 else ((0, 92, 75) if dark else (220, 248, 198))
        theirs = (38, 38, 40) if dark else rng.choice([(229, 229, 234), (255, 255, 255), (240, 240, 240)])
        while y < h - 130 * u:
            me = rng.random() < 0.5
            lines = wrap(d, sentence(rng, v, 1, 14), f, w * 0.62)
            lh = f.size * 1.3
            bw = max(text_w(d, ln, f) for ln in lines) + 28 * u
            bh = lh * len(lines) + 18 * u
            x = w - bw - 14 * u if me else 14 * u
            col = mine if me else theirs
            if rng.random() < 0.1 and photo is not None:        # a photo in the chat
                pic = picture(rng, int(w * 0.55), int(w * 0.45), photo)
                im.paste(pic, (int(w - pic.width - 14 * u if me else 14 * u), int(y)))
                y += pic.height + 10 * u
                continue
            d.rounded_rectangle([x, y, x + bw, y + bh], radius=16 * u, fill=col)
            tc = (255, 255, 255) if sum(col) < 400 else (0, 0, 0)
            for i, ln in enumerate(lines):
                d.text((x + 14 * u, y + 9 * u + i * lh), ln, font=f, fill=tc)
            y += bh + rng.uniform(6, 20) * u
        d.rounded_rectangle([12 * u, h - 80 * u, w - 70 * u, h - 30 * u], radius=25 * u, fill=card,
                            outline=sub)
        d.ellipse([w - 60 * u, h - 80 * u, w - 12 * u, h - 32 * u], fill=accent)
    elif app == "feed":
        while y < h - 60 * u:
            d.rectangle([0, y, w, y + 2], fill=sub)
            y += 10 * u
            d.ellipse([14 * u, y, 58 * u, y + 44 * u], fill=rng.choice(PALETTES[v]))
            d.text((68 * u, y + 2 * u), name(rng), font=f, fill=fg)
            d.text((68 * u, y + 24 * u), f"@{rng.choice(FIRST).lower()}{rng.randint(1, 99)} . {rng.randint(1, 23)}h",
                   font=small, fill=sub)
            y += 52 * u
            for ln in wrap(d, sentence(rng, v, 3, 25), f, w - 40 * u)[:5]:
                d.text((20 * u, y), ln, font=f, fill=fg)
                y += f.size * 1.35
            if rng.random() < 0.6:
                ph_ = int(w * rng.uniform(0.45, 0.8))
                pic = picture(rng, int(w - 40 * u), ph_, photo)
                im.paste(pic, (int(20 * u), int(y + 6 * u)))
                y += ph_ + 12 * u
            d.text((20 * u, y + 4 * u), f"{rng.randint(0, 300)}    {rng.randint(0, 80)}    {rng.randint(0, 999)}",
                   font=small, fill=sub)
            y += 34 * u
    elif app in ("settings", "mail", "notes"):
        if app == "notes" and rng.random() < 0.6:
            for ln in wrap(d, " ".join(sentence(rng, v) + "." for _ in range(rng.randint(1, 12))), f, w - 40 * u):
                if y > h - 40 * u:
                    break
                d.text((20 * u, y), ln, font=f, fill=fg)
                y += f.size * 1.45
        else:
            while y < h - 60 * u:
                rh = (56 if app == "settings" else 84) * u
                if rng.random() < 0.15 and app == "settings":
                    y += 26 * u
                d.rectangle([0, y, w, y + rh], fill=card)
                if app == "settings":
                    d.rounded_rectangle([16 * u, y + 12 * u, 48 * u, y + 44 * u], radius=8 * u,
                                        fill=rng.choice(PALETTES[v]))
                    d.text((62 * u, y + 16 * u), sentence(rng, v, 1, 2), font=f, fill=fg)
                    if rng.random() < 0.5:
                        on = rng.random() < 0.5
                        d.rounded_rectangle([w - 80 * u, y + 14 * u, w - 24 * u, y + 44 * u], radius=15 * u,
                                            fill=accent if on else sub)
                        cx = w - 40 * u if on else w - 64 * u
                        d.ellipse([cx - 13 * u, y + 16 * u, cx + 13 * u, y + 42 * u], fill=(255, 255, 255))
                    else:
                        d.text((w - 40 * u, y + 14 * u), ">", font=f, fill=sub)
                else:
                    d.text((20 * u, y + 8 * u), name(rng), font=f, fill=fg)
                    d.text((w - 70 * u, y + 8 * u), f"{rng.randint(1, 12)}:{rng.randint(0, 59):02d}", font=small, fill=sub)
                    d.text((20 * u, y + 32 * u), sentence(rng, v, 2, 5), font=small, fill=fg)
                    d.text((20 * u, y + 54 * u), sentence(rng, v, 3, 8)[:60], font=small, fill=sub)
                d.line([(16 * u, y + rh), (w, y + rh)], fill=sub)
                y += rh + 1
    return im


def dark_screen(seed: int, photo: Callable | None = None):
    return screen(seed, photo, dark=True)


def light_screen(seed: int, photo: Callable | None = None):
    return screen(seed, photo, dark=False)


# -- whiteboards -----------------------------------------------------------------------------------
def whiteboard(seed: int, photo: Callable | None = None):
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter
    rng = random.Random(seed * 7 + 4)
    v = variant(seed)
    w, h = rng.choice([(1600, 1000), (1400, 1050)] if v == "train" else [(1500, 900), (1300, 1000)])
    board = Image.new("RGB", (w, h), rng.choice([(245, 245, 242), (235, 238, 240), (250, 250, 250)]))
    d = ImageDraw.Draw(board)
    inks = [(20, 20, 20), (20, 50, 170), (190, 30, 30), (20, 130, 50)]
    y = rng.randint(40, 120)
    while y < h - 80:
        ink = rng.choice(inks)
        f = font(rng, v, rng.uniform(30, 70))
        x = rng.randint(40, 300)
        s = sentence(rng, v, 1, 5)
        layer = Image.new("L", (int(text_w(d, s, f)) + 40, int(f.size * 1.6)), 0)
        ImageDraw.Draw(layer).text((10, 5), s, font=f, fill=255)
        layer = layer.rotate(rng.uniform(-4, 4), expand=True, resample=Image.Resampling.BILINEAR)
        board.paste(Image.new("RGB", layer.size, ink), (x, int(y)), layer)
        if rng.random() < 0.25:
            bx = x + layer.width + 30
            d.rectangle([bx, y, bx + rng.randint(100, 300), y + rng.randint(60, 140)], outline=ink, width=4)
        if rng.random() < 0.2:
            d.line([(x, y + f.size * 1.8), (x + rng.randint(100, 500), y + f.size * 1.8 + rng.randint(-40, 80))],
                   fill=ink, width=4)
        y += f.size * rng.uniform(1.5, 2.8)
    frame = rng.choice([(170, 170, 175), (120, 120, 125), (60, 60, 60)])
    W, H = int(w * 1.25), int(h * 1.3)
    scene = Image.new("RGB", (W, H), rng.choice([(200, 195, 185), (180, 190, 200), (150, 140, 130), (220, 220, 215)]))
    sd = ImageDraw.Draw(scene)
    ox, oy = (W - w) // 2, (H - h) // 2
    sd.rectangle([ox - 14, oy - 14, ox + w + 14, oy + h + 14], fill=frame)
    scene.paste(board, (ox, oy))
    arr = np.asarray(scene, np.float32)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    gx, gy = rng.uniform(0, W), rng.uniform(0, H)
    glare = np.exp(-(((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * (W * rng.uniform(0.05, 0.2)) ** 2)))
    arr = arr * (rng.uniform(0.75, 0.95) + 0.1 * (xx / W))[..., None] + 60 * glare[..., None]
    arr += np.random.default_rng(seed).normal(0, 3, arr.shape)
    out = Image.fromarray(arr.clip(0, 255).astype("uint8"))
    ang = rng.uniform(-8, 8)
    out = out.rotate(ang, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=(150, 150, 150))
    return out.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.5)))


# -- spreadsheets and charts -------------------------------------------------------------------------
def sheet_chart(seed: int, photo: Callable | None = None):
    from PIL import Image, ImageDraw
    rng = random.Random(seed * 7 + 5)
    v = variant(seed)
    w, h = rng.choice([(1280, 800), (1000, 700), (1440, 900)] if v == "train" else [(1366, 768), (1100, 800)])
    dark = rng.random() < 0.3
    bg = (30, 30, 32) if dark else (255, 255, 255)
    fg = (225, 225, 225) if dark else (30, 30, 30)
    grid = (70, 70, 75) if dark else (215, 215, 215)
    im = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(im)
    f = font(rng, v, rng.uniform(12, 18))
    kind = rng.choice(["sheet", "bar", "pie", "line", "sheet+bar"])
    pal = rng.sample(PALETTES[v], 4)
    if kind.startswith("sheet"):
        d.rectangle([0, 0, w, 60], fill=(45, 45, 48) if dark else rng.choice([(33, 115, 70), (240, 240, 240)]))
        cw, rh = rng.randint(80, 150), rng.randint(20, 28)
        for i, x in enumerate(range(40, w, cw)):
            d.rectangle([x, 60, x + cw, 60 + rh], fill=(50, 50, 55) if dark else (235, 235, 235), outline=grid)
            d.text((x + cw / 2 - 4, 63), chr(65 + i % 26), font=f, fill=fg)
        for r, y in enumerate(range(60 + rh, h, rh)):
            d.text((8, y + 3), str(r + 1), font=f, fill=fg)
            d.line([(40, y), (w, y)], fill=grid)
            for x in range(40, w, cw):
                d.line([(x, y), (x, y + rh)], fill=grid)
                if rng.random() < (0.9 if r == 0 else 0.55):
                    txt = rng.choice(WORDS[v]).title() if (r == 0 or x == 40) else \
                        rng.choice([str(rng.randint(0, 9999)), f"{rng.uniform(0, 999):.2f}", f"{rng.randint(0, 100)}%"])
                    d.text((x + 4, y + 3), txt, font=f, fill=fg)
    if kind in ("bar", "pie", "line", "sheet+bar"):
        if kind == "sheet+bar":
            x0, y0, x1, y1 = w * 0.45, h * 0.3, w * 0.95, h * 0.9
            d.rectangle([x0 - 10, y0 - 40, x1 + 10, y1 + 30], fill=bg, outline=grid)
        else:
            x0, y0, x1, y1 = w * 0.1, h * 0.15, w * 0.9, h * 0.85
            d.text((x0, h * 0.04), sentence(rng, v, 2, 5), font=font(rng, v, 26), fill=fg)
        if kind == "pie":
            r = min(x1 - x0, y1 - y0) / 2
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            a = 0.0
            for k in range(rng.randint(2, 6)):
                b = a + rng.uniform(30, 140) if k < 5 else 360
                d.pieslice([cx - r, cy - r, cx + r, cy + r], a, min(b, 360), fill=rng.choice(PALETTES[v]), outline=bg)
                a = b
                if a >= 360:
                    break
        else:
            d.line([(x0, y0), (x0, y1), (x1, y1)], fill=fg, width=2)
            for i in range(5):
                yy = y1 - (y1 - y0) * i / 5
                d.line([(x0, yy), (x1, yy)], fill=grid)
                d.text((x0 - 40, yy - 8), str(i * rng.choice([10, 20, 50, 100])), font=f, fill=fg)
            n = rng.randint(3, 14)
            if kind == "line":
                for s in range(rng.randint(1, 3)):
                    pts, val = [], rng.uniform(0.2, 0.8)
                    for i in range(n):
                        val = min(0.95, max(0.05, val + rng.gauss(0, 0.12)))
                        pts.append((x0 + (x1 - x0) * (i + 0.5) / n, y1 - (y1 - y0) * val))
                    d.line(pts, fill=pal[s], width=3)
            else:
                bw = (x1 - x0) / n
                for i in range(n):
                    val = rng.uniform(0.05, 0.95)
                    d.rectangle([x0 + i * bw + bw * 0.15, y1 - (y1 - y0) * val, x0 + (i + 1) * bw - bw * 0.15, y1],
                                fill=pal[i % 2 if rng.random() < 0.5 else 0])
    return im


def sparse(seed: int, photo: Callable | None = None, dark: bool = False):
    """A few words on an otherwise empty page or screen: a short list, a note, a sign, a quote, a
    text-only status post; any size of type, anywhere; light backgrounds, or (`dark`) light text on
    black or a dark colour, the look of a radiograph's bright bones on black."""
    from PIL import Image, ImageDraw, ImageFilter
    rng = random.Random(seed * 7 + 6 + dark)
    v = variant(seed)
    w, h = rng.choice([(900, 700), (700, 900), (1080, 1080), (540, 1170), (1200, 800)] if v == "train"
                      else [(1000, 750), (800, 1000), (720, 1280)])
    if dark:
        bg = rng.choice([(0, 0, 0), (0, 0, 0), (18, 18, 18), (28, 28, 30), (10, 20, 40), (40, 10, 50), (15, 40, 30)])
        ink = rng.choice([(255, 255, 255), (235, 235, 235), (200, 200, 200), (170, 170, 170)] + PALETTES[v][:3])
    else:
        bg = rng.choice([(255, 255, 255), (255, 255, 255), (250, 250, 245), (255, 250, 205), (240, 240, 240),
                         (225, 240, 255)] + PALETTES[v][:2])
        ink = rng.choice([(0, 0, 0), (20, 20, 20), (60, 60, 60), (10, 30, 110)]) if sum(bg) > 600 else (255, 255, 255)
    im = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(im)
    size = rng.choice([9, 10, 11, 12, 14, 18, 24, 36, 56, 80]) * (w / 900)
    f = font(rng, v, size)
    centred = rng.random() < 0.35
    y = rng.uniform(0.03, 0.6) * h
    x0 = rng.uniform(0.02, 0.3) * w
    for _ in range(rng.randint(1, 5)):
        s = sentence(rng, v, 1, 6)
        tw = text_w(d, s, f)
        x = (w - tw) / 2 if centred else x0
        d.text((x, y), s, font=f, fill=ink)
        y += f.size * rng.uniform(1.2, 2.5)
        if y > h - f.size:
            break
    if rng.random() < 0.2:
        im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
    return im


def dark_sparse(seed: int, photo: Callable | None = None):
    return sparse(seed, photo, dark=True)


def graphic(seed: int, photo: Callable | None = None):
    """A saved wallpaper or graphic: gradients, soft blobs, rings or waves (abstract(); no photo)."""
    rng = random.Random(seed * 7 + 8)
    v = variant(seed)
    w, h = rng.choice([(1080, 1920), (1920, 1080), (1200, 1200)] if v == "train" else [(1170, 2532), (1600, 1000)])
    return abstract(rng, w // 2, h // 2)


RENDERERS = {"render:sparse": sparse, "render:darktext": dark_sparse, "render:graphic": graphic,
             "render:page": page, "render:paper": paper_photo, "render:screen": light_screen,
             "render:dark": dark_screen, "render:board": whiteboard, "render:sheet": sheet_chart}
KINDS = {"render:sparse": "page", "render:darktext": "dark-mode", "render:graphic": "graphic",
         "render:page": "page", "render:paper": "paper-photo", "render:screen": "screenshot",
         "render:dark": "dark-mode", "render:board": "whiteboard", "render:sheet": "chart"}


if __name__ == "__main__":                         # draw a few of each into a folder to look at
    import sys
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/negatives")
    out.mkdir(parents=True, exist_ok=True)
    for src, fn in RENDERERS.items():
        for s in (1, 2, 3, DEV_SEED + 1):
            im = fn(s)
            im.thumbnail((1024, 1024))
            im.save(out / f"{src.split(':')[1]}-{s}.png")
    print(out)
