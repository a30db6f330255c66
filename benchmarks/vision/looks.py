"""Make the kinds of picture no licensed source holds out of licensed pictures we have (issue 16).

    .venv/bin/python benchmarks/vision/looks.py OUT_DIR      # draws a few of each look, to look at

`collect.py` applies these to manifest rows whose transform column names a look (the copy's source,
path, licence, label and split are its original's; the seed is the sha1 of source, path and transform,
so every copy is the same on every run). Training copies are made from training pictures and dev copies
from dev pictures, so dev stays apart by source as before.

- `film:N`: a real black-and-white print rather than a grey copy of a colour photo: a tone curve with
  lifted blacks and soft highlights, film grain, soft focus, vignetting, a sepia, cool or neutral tint,
  dust and scratches, and a white, cream or black border, sometimes on an album page. Applied to
  ordinary photos (negatives) and to photos of people at work (uniform positives): the independent
  check's black-and-white photos may be old photos of people.
- `screen:N`: a picture photographed on a monitor (a dark viewer with a toolbar, the bezel, the room
  behind; moire, glare, a colour cast, perspective) or, for radiographs, on a light box on a wall.
  Applied to clinical pictures (positives) and to ordinary photos (negatives, so that the monitor
  itself teaches nothing).
- `print:N`: a picture printed on paper and photographed on a desk (margins, a few grey header lines,
  creases, curl, a shadow, perspective, wood or plain desk); a drawn ECG page becomes the paper itself
  (sometimes pink, yellow or blue paper). Clinical positives and ordinary photos alike.
- `periapical:N`: a small periapical film made from a panoramic dental film: a crop of two to four
  teeth, turned a little, with more contrast, inside the film's rounded frame with its raised dimple,
  on a dark or light surround.

What a transform cannot make: wounds, burns, ulcers or skin conditions (no picture here shows one: the
skin-lesion photographs added in this round are a real source, not a look), real scrubs, lanyards or
nurses' uniforms (a film look on IdenProf's professions is still IdenProf's professions), and a real
scanned ECG printout (the trace is still our own drawing).
"""
from __future__ import annotations

import hashlib
import random
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

LOOKS = ("film", "screen", "print", "periapical")


def is_look(transform: str) -> bool:
    return transform.split(":", 1)[0] in LOOKS


def _rng(key: str) -> tuple[random.Random, np.random.Generator]:
    h = hashlib.sha1(key.encode()).hexdigest()
    return random.Random(h), np.random.default_rng(int(h[:16], 16))


def _fit(im: Image.Image, longest: int) -> Image.Image:
    s = longest / max(im.size)
    return im.resize((max(8, round(im.width * s)), max(8, round(im.height * s))), Image.Resampling.BICUBIC)


def _perspective(im: Image.Image, r: random.Random, amount: float, fill) -> Image.Image:
    """Warp as if photographed a little from the side: each corner moves by up to `amount` of the size."""
    w, h = im.size
    dst = [(r.uniform(0, amount) * w, r.uniform(0, amount) * h), (w - r.uniform(0, amount) * w, r.uniform(0, amount) * h),
           (w - r.uniform(0, amount) * w, h - r.uniform(0, amount) * h), (r.uniform(0, amount) * w, h - r.uniform(0, amount) * h)]
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    # coefficients that map output (dst) points to input (src) points
    a = []
    bvec = []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        bvec += [u, v]
    coeffs = np.linalg.solve(np.array(a, float), np.array(bvec, float))
    return im.transform((w, h), Image.Transform.PERSPECTIVE, tuple(coeffs), Image.Resampling.BICUBIC,
                        fillcolor=fill)


def _camera(a: np.ndarray, r: random.Random, g: np.random.Generator, noise: float) -> np.ndarray:
    """A phone camera's white balance cast and sensor noise on an RGB float array (0-255)."""
    cast = np.array([r.uniform(0.9, 1.1), r.uniform(0.95, 1.05), r.uniform(0.88, 1.1)])
    a = a * cast + g.normal(0, noise, a.shape)
    return np.clip(a, 0, 255)


def _gradient(w: int, h: int, c0, c1, r: random.Random) -> np.ndarray:
    t = np.linspace(0, 1, h)[:, None, None] if r.random() < 0.6 else np.linspace(0, 1, w)[None, :, None]
    return np.broadcast_to(np.array(c0, float) * (1 - t) + np.array(c1, float) * t, (h, w, 3)).copy()


# -- film: a real black-and-white photograph -------------------------------------------------------
def film(im: Image.Image, r: random.Random, g: np.random.Generator) -> Image.Image:
    im = _fit(im.convert("RGB"), r.randint(420, 900))
    w, h = im.size
    lum = np.asarray(im.convert("L"), dtype=np.float32) / 255.0
    if r.random() < 0.3:                                   # orthochromatic film: reds print dark
        rgb = np.asarray(im, dtype=np.float32) / 255.0
        lum = np.clip(0.1 * rgb[..., 0] + 0.55 * rgb[..., 1] + 0.35 * rgb[..., 2], 0, 1)
    gamma = r.uniform(0.75, 1.35)
    lum = lum ** gamma
    contrast = r.uniform(0.7, 1.35)                        # flat old prints and hard newspaper prints
    lum = np.clip(0.5 + (lum - 0.5) * contrast, 0, 1)
    black, white = r.uniform(0.0, 0.18), r.uniform(0.78, 1.0)   # faded blacks, soft highlights
    lum = black + (white - black) * lum
    out = Image.fromarray((lum * 255).astype(np.uint8), "L")
    blur = r.choice([0, 0, 0.6, 1.0, 1.6, 2.4]) * w / 600
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    lum = np.asarray(out, dtype=np.float32) / 255.0
    # grain: noise drawn at a lower resolution and enlarged, so the grain has a size
    gs = r.choice([1, 1, 2, 3])
    grain = g.normal(0, r.uniform(0.02, 0.09), (h // gs + 1, w // gs + 1)).astype(np.float32)
    grain = np.asarray(Image.fromarray(grain, "F").resize((w, h), Image.Resampling.BILINEAR))
    lum = lum + grain
    # vignetting
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.sqrt(((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2) / np.sqrt(2)
    lum = lum * (1 - r.uniform(0.0, 0.55) * d ** r.uniform(1.5, 3.0))
    # dust and scratches
    img = Image.fromarray((np.clip(lum, 0, 1) * 255).astype(np.uint8), "L")
    dr = ImageDraw.Draw(img)
    for _ in range(r.randint(0, 60)):
        x, y, s = r.uniform(0, w), r.uniform(0, h), r.uniform(0.5, 2.5) * w / 600
        dr.ellipse((x - s, y - s, x + s, y + s), fill=r.choice([250, 245, 20, 35]))
    for _ in range(r.choice([0, 0, 1, 2, 4])):
        x = r.uniform(0, w)
        dr.line((x, r.uniform(0, h / 2), x + r.uniform(-w / 30, w / 30), r.uniform(h / 2, h)),
                fill=r.choice([235, 40]), width=1)
    lum = np.asarray(img, dtype=np.float32) / 255.0
    tint = r.random()
    if tint < 0.35:                                        # sepia / warm toned print
        k = r.uniform(0.5, 1.0)
        rgb = np.stack([lum, lum * (1 - 0.12 * k) + 0.04 * k, lum * (1 - 0.32 * k) + 0.02 * k], -1)
    elif tint < 0.55:                                      # cool / cyanotype-ish toning, a little
        k = r.uniform(0.3, 0.8)
        rgb = np.stack([lum * (1 - 0.1 * k), lum * (1 - 0.03 * k), lum * (1 - 0.0 * k) + 0.03 * k], -1)
    else:
        rgb = np.stack([lum] * 3, -1)
    photo = Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8), "RGB")
    border = r.random()
    if border < 0.45:                                      # white or cream border, maybe deckled
        m = int(r.uniform(0.03, 0.09) * w)
        paper = tuple(int(c) for c in (np.array([r.randint(225, 250)] * 3) - np.array([0, r.randint(0, 8), r.randint(0, 22)])))
        canvas = Image.new("RGB", (w + 2 * m, h + 2 * m + (int(m * r.uniform(0, 2.5)) if r.random() < 0.3 else 0)), paper)
        canvas.paste(photo, (m, m))
        photo = canvas
    elif border < 0.6:                                     # the film's black rebate (a scanned negative)
        m = int(r.uniform(0.02, 0.05) * w)
        canvas = Image.new("RGB", (w + 2 * m, h + 2 * m), (r.randint(5, 30),) * 3)
        canvas.paste(photo, (m, m))
        photo = canvas
    if r.random() < 0.25:                                  # on an album page, a little askew
        pw, ph = photo.size
        bg = tuple(r.choice([(35, 30, 28), (60, 52, 45), (200, 190, 170), (20, 20, 22), (120, 100, 80)]))
        page = Image.new("RGB", (int(pw * r.uniform(1.15, 1.4)), int(ph * r.uniform(1.15, 1.4))), bg)
        rot = photo.rotate(r.uniform(-6, 6), expand=True, fillcolor=bg, resample=Image.Resampling.BICUBIC)
        page.paste(rot, ((page.width - rot.width) // 2, (page.height - rot.height) // 2))
        photo = page
    return photo


# -- screen: on a monitor, or on a light box ---------------------------------------------------------
def screen(im: Image.Image, r: random.Random, g: np.random.Generator, radiograph: bool) -> Image.Image:
    im = im.convert("RGB")
    W, H = r.choice([(960, 720), (1024, 768), (800, 800), (720, 960), (1008, 756)])
    wall = _gradient(W, H, [r.randint(60, 230)] * 3, [r.randint(40, 200)] * 3, r)
    wall *= np.array([r.uniform(0.85, 1.1), r.uniform(0.85, 1.05), r.uniform(0.8, 1.1)])
    canvas = Image.fromarray(np.clip(wall, 0, 255).astype(np.uint8), "RGB")
    dr = ImageDraw.Draw(canvas)
    if radiograph and r.random() < 0.4:                    # a light box on the wall, the film clipped on
        bw, bh = int(W * r.uniform(0.6, 0.9)), int(H * r.uniform(0.6, 0.9))
        bx, by = (W - bw) // 2 + r.randint(-W // 20, W // 20), (H - bh) // 2 + r.randint(-H // 20, H // 20)
        dr.rectangle((bx - 12, by - 12, bx + bw + 12, by + bh + 12), fill=(r.randint(150, 215),) * 3)
        light = (r.randint(235, 255), r.randint(238, 255), 255)
        dr.rectangle((bx, by, bx + bw, by + bh), fill=light)
        f = _fit(im, int(min(bw, bh) * r.uniform(0.75, 0.95)))
        fx, fy = bx + (bw - f.width) // 2, by + (bh - f.height) // 2
        canvas.paste(f, (fx, fy))
        for cx in (fx + f.width // 4, fx + 3 * f.width // 4):   # clips
            dr.rectangle((cx - 10, fy - 14, cx + 10, fy + 6), fill=(70, 70, 75))
        glare_at = (bx + bw * r.uniform(0.2, 0.8), by + bh * r.uniform(0.2, 0.8))
    else:                                                  # a monitor: bezel, a viewer with a toolbar
        bw, bh = int(W * r.uniform(0.7, 0.95)), int(H * r.uniform(0.62, 0.9))
        bx, by = (W - bw) // 2 + r.randint(-W // 25, W // 25), (H - bh) // 2 + r.randint(-H // 25, H // 25)
        bezel = r.randint(8, 28)
        dr.rectangle((bx - bezel, by - bezel, bx + bw + bezel, by + bh + bezel), fill=(r.randint(10, 45),) * 3)
        dark = r.random() < 0.75
        bg = (r.randint(0, 25),) * 3 if dark else (r.randint(225, 250),) * 3
        dr.rectangle((bx, by, bx + bw, by + bh), fill=bg)
        tb = int(bh * r.uniform(0.04, 0.09))
        if r.random() < 0.8:
            dr.rectangle((bx, by, bx + bw, by + tb), fill=(r.randint(30, 70),) * 3 if dark else (r.randint(200, 225),) * 3)
            for k in range(r.randint(3, 12)):
                x0 = bx + 8 + k * (tb + 6)
                if x0 + tb > bx + bw:
                    break
                dr.rectangle((x0, by + tb // 5, x0 + tb * 0.7, by + tb - tb // 5),
                             fill=(r.randint(120, 200),) * 3)
        n = 1 if r.random() < 0.75 else 2                   # one picture, or two side by side
        for k in range(n):
            cw = (bw - 20) // n
            f = _fit(im if k == 0 else im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
                     int(min(cw, bh - tb - 20) * r.uniform(0.8, 1.0)))
            canvas.paste(f, (bx + 10 + k * cw + (cw - f.width) // 2, by + tb + (bh - tb - f.height) // 2))
        glare_at = (bx + bw * r.uniform(0.1, 0.9), by + bh * r.uniform(0.1, 0.9))
    a = np.asarray(canvas, dtype=np.float32)
    yy, xx = np.mgrid[0:H, 0:W]
    # moire: the beat between the screen's pixel grid and the camera's, a faint slanted ripple
    if r.random() < 0.7:
        fx, fy = r.uniform(0.02, 0.12), r.uniform(-0.08, 0.08)
        ripple = np.sin(2 * np.pi * (fx * xx + fy * yy) + r.uniform(0, 6.3))
        ripple *= 0.5 + 0.5 * np.sin(2 * np.pi * (r.uniform(0.002, 0.01) * xx + r.uniform(0.002, 0.01) * yy))
        a = a * (1 + r.uniform(0.04, 0.14) * ripple[..., None])
    # glare: a soft bright patch from a window or a ceiling light
    if r.random() < 0.7:
        s = r.uniform(0.08, 0.3) * W
        d2 = ((xx - glare_at[0]) ** 2 + (yy - glare_at[1]) ** 2) / (2 * s * s)
        a = a + r.uniform(40, 150) * np.exp(-d2)[..., None]
    a = _camera(a, r, g, r.uniform(2, 7))
    out = Image.fromarray(a.astype(np.uint8), "RGB")
    out = _perspective(out, r, r.uniform(0.02, 0.14), tuple(int(v) for v in a[0, 0]))
    return out.filter(ImageFilter.GaussianBlur(r.uniform(0.3, 1.4)))


# -- print: on paper on a desk -----------------------------------------------------------------------
def print_(im: Image.Image, r: random.Random, g: np.random.Generator, page: bool) -> Image.Image:
    im = im.convert("RGB")
    if page and np.asarray(im.convert("L")).mean() < 128:  # a drawn monitor trace is printed like a picture
        page = False
    if page:                                               # a drawn ECG page is the paper itself
        sheet = _fit(im, r.randint(800, 1000))
        if r.random() < 0.35:                              # coloured paper (pink, yellow, blue)
            tint = np.array(r.choice([(255, 225, 230), (255, 248, 205), (225, 238, 255)]), np.float32) / 255
            sheet = Image.fromarray((np.asarray(sheet, np.float32) * tint).astype(np.uint8), "RGB")
    else:
        pw = r.randint(620, 820)
        ph = int(pw * r.choice([1.414, 1.414, 0.707, 1.29]))
        paper = (r.randint(238, 255), r.randint(238, 255), r.randint(230, 252))
        sheet = Image.new("RGB", (pw, ph), paper)
        d = ImageDraw.Draw(sheet)
        top = int(ph * r.uniform(0.05, 0.1))
        for k in range(r.randint(0, 5)):                   # a report's header lines, as grey bars
            y = top + k * int(ph * 0.025)
            d.rectangle((int(pw * 0.08), y, int(pw * r.uniform(0.3, 0.9)), y + int(ph * 0.009)),
                        fill=(r.randint(60, 140),) * 3)
        avail_y = top + int(ph * 0.15)
        f = _fit(im, int(min(pw * 0.84, (ph - avail_y) * 0.9) * r.uniform(0.75, 1.0)))
        if r.random() < 0.3:                               # a laser printer's grey rendering
            f = f.convert("L").convert("RGB")
        sheet.paste(f, ((pw - f.width) // 2, avail_y + (ph - avail_y - f.height) // 3))
    sw, sh = sheet.size
    a = np.asarray(sheet, dtype=np.float32)
    yy, xx = np.mgrid[0:sh, 0:sw]
    for _ in range(r.choice([0, 1, 1, 2])):                # creases: a light and a dark line side by side
        if r.random() < 0.5:
            y0 = r.uniform(0.3, 0.7) * sh
            dist = yy - y0 - (xx - sw / 2) * r.uniform(-0.05, 0.05)
        else:
            x0 = r.uniform(0.3, 0.7) * sw
            dist = xx - x0 - (yy - sh / 2) * r.uniform(-0.05, 0.05)
        a = a * (1 - 0.12 * np.exp(-(dist - 2) ** 2 / 6)[..., None]) + 18 * np.exp(-(dist + 2) ** 2 / 6)[..., None]
    # curl: the paper lifts at one side and catches less light
    side = r.choice(["l", "r", "t", "b", None])
    if side:
        t = {"l": 1 - xx / sw, "r": xx / sw, "t": 1 - yy / sh, "b": yy / sh}[side]
        a = a * (1 - r.uniform(0.1, 0.35) * t[..., None] ** r.uniform(2, 5))
    # a shadow (the phone, a hand) across part of the page
    if r.random() < 0.5:
        x0, y0 = r.uniform(0, sw), r.uniform(0, sh)
        ang = r.uniform(0, np.pi)
        side_ = (xx - x0) * np.cos(ang) + (yy - y0) * np.sin(ang)
        a = a * (1 - r.uniform(0.15, 0.4) / (1 + np.exp(-side_ / r.uniform(10, 40))))[..., None]
    sheet = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB")
    # the desk
    W, H = int(sw * r.uniform(1.15, 1.5)), int(sh * r.uniform(1.1, 1.4))
    desk_kind = r.random()
    if desk_kind < 0.45:                                   # wood: brown with streaks along the grain
        base = np.array([r.randint(110, 180), r.randint(70, 120), r.randint(35, 80)], np.float32)
        streak = g.normal(0, 1, (1, W)).astype(np.float32)
        streak = np.asarray(Image.fromarray(streak, "F").resize((W, H), Image.Resampling.BILINEAR))
        desk = base * (1 + 0.12 * streak[..., None]) + g.normal(0, 4, (H, W, 3))
    else:
        desk = _gradient(W, H, [r.randint(40, 220)] * 3, [r.randint(30, 200)] * 3, r) + g.normal(0, 3, (H, W, 3))
    canvas = Image.fromarray(np.clip(desk, 0, 255).astype(np.uint8), "RGB")
    ang = r.uniform(-12, 12)
    mask = Image.new("L", sheet.size, 255).rotate(ang, expand=True)
    rot = sheet.rotate(ang, expand=True, resample=Image.Resampling.BICUBIC)
    px, py = (W - rot.width) // 2 + r.randint(-W // 15, W // 15), (H - rot.height) // 2 + r.randint(-H // 15, H // 15)
    shadow = Image.new("RGB", rot.size, (0, 0, 0))
    sh_mask = mask.filter(ImageFilter.GaussianBlur(8)).point(lambda v: int(v * 0.45))
    canvas.paste(shadow, (px + 6, py + 8), sh_mask)
    canvas.paste(rot, (px, py), mask)
    a = _camera(np.asarray(canvas, dtype=np.float32), r, g, r.uniform(2, 6))
    out = Image.fromarray(a.astype(np.uint8), "RGB")
    out = _perspective(out, r, r.uniform(0.03, 0.15), tuple(int(v) for v in a[0, 0]))
    out = out.filter(ImageFilter.GaussianBlur(r.uniform(0.3, 1.2)))
    return _fit(out, r.randint(700, 1000))


# -- periapical: a small film of two to four teeth -----------------------------------------------------
def periapical(im: Image.Image, r: random.Random, g: np.random.Generator) -> Image.Image:
    im = im.convert("L")
    w, h = im.size
    portrait = r.random() < 0.65                            # anterior films stand, posterior and bitewings lie
    cw = int(w * r.uniform(0.1, 0.18))
    ch = int(cw * (r.uniform(1.25, 1.5) if portrait else r.uniform(0.7, 0.85)))
    ch = min(ch, int(h * 0.6))
    cx = r.uniform(0.2, 0.8) * w
    cy = r.uniform(0.38, 0.62) * h
    side = int(max(cw, ch) * 1.5)                          # crop large, turn, then cut the film out
    box = (int(cx - side / 2), int(cy - side / 2), int(cx + side / 2), int(cy + side / 2))
    crop = im.crop(box).rotate(r.uniform(-18, 18), resample=Image.Resampling.BICUBIC)
    crop = crop.crop(((side - cw) // 2, (side - ch) // 2, (side - cw) // 2 + cw, (side - ch) // 2 + ch))
    fw = r.randint(380, 520)
    fh = int(fw * ch / max(cw, 1))
    crop = crop.resize((fw, fh), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(fw / 300))
    a = np.asarray(crop, dtype=np.float32) / 255.0
    lo, hi = np.percentile(a, 2), np.percentile(a, 98)
    a = np.clip((a - lo) / max(hi - lo, 1e-3), 0, 1) ** r.uniform(0.8, 1.3)   # films have more contrast
    yy, xx = np.mgrid[0:fh, 0:fw]
    d = np.sqrt(((xx - fw / 2) / (fw / 2)) ** 2 + ((yy - fh / 2) / (fh / 2)) ** 2) / np.sqrt(2)
    a = a * (1 - r.uniform(0.05, 0.3) * d ** 2) + g.normal(0, r.uniform(0.01, 0.04), a.shape)
    film_im = Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8), "L")
    # the dimple: a small raised dot near one corner (a light ring round a dark centre)
    dr = ImageDraw.Draw(film_im)
    cxs = r.choice([fw * 0.1, fw * 0.9])
    cys = r.choice([fh * 0.1, fh * 0.9])
    rad = fw * r.uniform(0.018, 0.03)
    dr.ellipse((cxs - rad * 1.6, cys - rad * 1.6, cxs + rad * 1.6, cys + rad * 1.6), fill=r.randint(170, 230))
    dr.ellipse((cxs - rad, cys - rad, cxs + rad, cys + rad), fill=r.randint(20, 80))
    # the rounded frame, on a dark (scanner, mount) or light (viewer) surround
    m = int(fw * r.uniform(0.06, 0.25))
    dark = r.random() < 0.6
    bgv = r.randint(0, 40) if dark else r.randint(200, 250)
    canvas = Image.new("L", (fw + 2 * m, fh + 2 * m), bgv)
    mask = Image.new("L", (fw, fh), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, fw - 1, fh - 1), radius=int(fw * r.uniform(0.06, 0.12)), fill=255)
    canvas.paste(film_im, (m, m), mask)
    if r.random() < 0.3:                                   # a thin film-edge rim
        ImageDraw.Draw(canvas).rounded_rectangle((m - 2, m - 2, m + fw + 1, m + fh + 1),
                                                 radius=int(fw * 0.09), outline=r.randint(90, 160), width=2)
    if r.random() < 0.3:                                   # a scan of a film, a little turned
        canvas = canvas.rotate(r.uniform(-8, 8), expand=True, fillcolor=bgv, resample=Image.Resampling.BICUBIC)
    return canvas.convert("RGB")


def apply(transform: str, im: Image.Image, key: str, kind: str = "", page: bool = False) -> Image.Image:
    """The look named by `transform` on `im` (seeded by `key`). `kind` is the clinical sub-kind of a
    clinical picture ('' for photos): radiographs may go on a light box; `page` says the picture is a
    page itself (a drawn ECG) for the `print` look."""
    r, g = _rng(key)
    name = transform.split(":", 1)[0]
    if name == "film":
        return film(im, r, g)
    if name == "screen":
        return screen(im, r, g, radiograph=kind in ("x-ray", "dental", "ct-mri"))
    if name == "print":
        return print_(im, r, g, page=page)
    if name == "periapical":
        return periapical(im, r, g)
    raise ValueError(f"unknown look {transform!r}")


def main() -> None:
    """Draw a few of each look from scikit-image's sample photos, to look at."""
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/looks")
    out.mkdir(parents=True, exist_ok=True)
    from skimage import data
    photo = Image.fromarray(data.astronaut())
    grey = Image.fromarray(data.camera()).convert("RGB")
    for i in range(4):
        apply(f"film:{i}", photo, f"demo{i}").save(out / f"film-{i}.png")
        apply(f"screen:{i}", grey, f"demo{i}", kind="x-ray").save(out / f"screen-{i}.png")
        apply(f"print:{i}", grey, f"demo{i}", kind="x-ray").save(out / f"print-{i}.png")
        apply(f"periapical:{i}", grey, f"demo{i}").save(out / f"periapical-{i}.png")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
