"""Decoding a picture once (media.decode_sized): upright per its EXIF orientation, at the reduced
JPEG scale, the decoded picture itself handed over (no copy); the OCR gate's grey-level histogram."""
from __future__ import annotations

import io

import numpy as np
import piexif
import pytest
from PIL import Image, ImageOps

from auditor.analysers import images, media


def _jpeg(orientation: int | None) -> bytes:
    rng = np.random.default_rng(2)
    yy, xx = np.mgrid[0:1200, 0:1600]
    arr = np.stack([xx * 255 // 1600, yy * 255 // 1200, (xx + yy) * 255 // 2800], -1)
    arr = (arr + rng.normal(0, 5, arr.shape)).clip(0, 255).astype(np.uint8)
    arr[:100, :300] = (250, 20, 20)                     # a red corner shows which way is up
    buf = io.BytesIO()
    exif = piexif.dump({"0th": {piexif.ImageIFD.Orientation: orientation}}) if orientation else b""
    Image.fromarray(arr).save(buf, "JPEG", quality=90, **({"exif": exif} if exif else {}))
    return buf.getvalue()


def _reference(data: bytes, mode: str) -> Image.Image:
    """What decode_sized gave before: draft at 1/2, then exif_transpose's copy, converted."""
    with Image.open(io.BytesIO(data)) as im:
        im.draft(mode, (640, 480))
        up = ImageOps.exif_transpose(im)
        return up.convert(mode) if up.mode != mode else up


@pytest.mark.parametrize("orientation", [None, 1, 3, 6, 8])
@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_decoded_upright_at_half_scale_same_pixels(orientation, mode):
    data = _jpeg(orientation)
    im, full = media.decode_sized(data, images.GATE_PX, mode)
    try:
        assert full == (1600, 1200) and im.mode == mode
        want = _reference(data, mode)
        assert im.size == want.size == ((600, 800) if orientation in (6, 8) else (800, 600))
        assert np.array_equal(np.asarray(im), np.asarray(want))
        im.load()                                   # still usable after decode_sized returned
        assert im.resize((10, 10)).size == (10, 10)
    finally:
        im.close()


def test_a_broken_file_still_raises_and_a_png_with_alpha_is_put_on_white():
    with pytest.raises(OSError):                        # truncated: the caller makes it a Problem
        media.decode_sized(_jpeg(None)[:2000], images.GATE_PX, "RGB")
    buf = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 0, 0, 0)).save(buf, "PNG")
    im, full = media.decode_sized(buf.getvalue(), images.GATE_PX, "RGB")
    assert full == (50, 40) and im.mode == "RGB" and im.getpixel((5, 5)) == (255, 255, 255)


def test_the_gates_histogram_counts_every_grey_level_as_bincount_does():
    rng = np.random.default_rng(4)
    for shape in ((480, 640), (7, 3), (1, 1), (600, 800)):
        g = rng.integers(0, 256, shape, dtype=np.uint8)
        for arr in (g, g[::2, 1:], np.zeros(shape, np.uint8), np.full(shape, 255, np.uint8)):
            got = images.grey_histogram(arr)
            assert got.dtype == np.float64 and got.shape == (256,)
            assert np.array_equal(got, np.bincount(arr.ravel(), minlength=256).astype(float))
