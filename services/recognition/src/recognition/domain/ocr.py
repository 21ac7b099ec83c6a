"""OCR of scanned pages with Tesseract, returning positioned words like the PDF text layer.

Before Tesseract sees a page it is cleaned the way a flatbed or phone scan needs:

* grey scale, and upscaled when the resolution is too low for Tesseract (it wants capital
  letters of 20+ pixels);
* a 3x3 median filter against scanner speckle;
* deskew: a projection-profile search over ±5° (text lines give the sharpest row profile
  when they are horizontal), coarse then fine; Tesseract copes with a fraction of a degree
  but loses whole words at 2-3°;
* binarisation with Otsu's threshold, computed from the histogram.

Tesseract's `image_to_data` gives word boxes; each word takes the vertical extent of its
Tesseract line so that words of one line share a baseline band, and pixel boxes are scaled
to PDF points so that the layout thresholds are the same as for text PDFs.
"""

import io
import os
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import pytesseract
from PIL import Image, ImageFilter, ImageOps, ImageSequence, UnidentifiedImageError

from recognition.domain.layout import Word

__all__ = [
    "DEFAULT_LANGUAGES",
    "MAX_IMAGE_PIXELS",
    "ImageUnreadable",
    "OcrFailed",
    "OcrPage",
    "estimate_skew",
    "load_images",
    "ocr_page",
    "prepare_image",
]

# One thread per Tesseract process (inherited by the subprocess pytesseract starts): with
# OpenMP threads competing for the cores, one page takes 5 s instead of 1.2 s, and the
# service reads several documents side by side anyway. An explicit setting is respected.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

DEFAULT_LANGUAGES: Final = "nld+fra+eng"
MAX_IMAGE_PIXELS: Final = 60_000_000
"""An A4 page at 600 dpi is 35 Mpx; larger images are refused before they are decoded."""
OCR_TIMEOUT_SECONDS: Final = 60
MIN_WORD_CONFIDENCE: Final = 20
"""Tesseract words below this confidence (0-100) are mostly noise read as letters."""

# Tesseract's word boxes run from the top of capitals to the baseline or the bottom of
# descenders, 0.7-0.95 of the font size; PDF loose character boxes are about 1.15 times the
# font size. Scaling OCR heights by this factor lets both use the same gap thresholds.
_LINE_HEIGHT_TO_SIZE: Final = 1.4


# Table rules, speckle and stains come out as lone strokes and dots.
_NOISE: Final = re.compile(r"[|_~`'\".,:;!\-—–=()\[\]{}<>\\/‘’“”]+")


class OcrFailed(RuntimeError):
    """Tesseract is missing, timed out or failed: a technical failure that a retry may fix."""


class ImageUnreadable(ValueError):
    """The bytes are not an image Pillow can decode, or one too large to decode safely."""


@dataclass(frozen=True, slots=True)
class OcrPage:
    words: list[Word]
    width: float
    height: float
    skew_degrees: float


def load_images(content: bytes, *, max_frames: int) -> Iterator[Image.Image]:
    """The frames (pages) of a PNG, JPEG or TIFF, refusing decompression bombs up front."""
    try:
        with warnings.catch_warnings():
            # Our own, lower limit is checked below with a clear message.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            # A JPEG is then decoded straight to grey by libjpeg (no-op for other formats).
            image.draft("L", image.size)
    except Image.DecompressionBombError as exc:
        raise ImageUnreadable(f"the image has too many pixels to decode safely ({exc}).") from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise ImageUnreadable(f"the image cannot be decoded ({exc}).") from exc
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        raise ImageUnreadable(
            f"the image is {width}x{height} pixels, more than the {MAX_IMAGE_PIXELS} accepted."
        )
    try:
        for number, frame in enumerate(ImageSequence.Iterator(image)):
            if number >= max_frames:
                break
            if frame.width * frame.height > MAX_IMAGE_PIXELS:  # every TIFF page has its size
                raise ImageUnreadable(
                    f"page {number + 1} of the image is {frame.width}x{frame.height} pixels, "
                    f"more than the {MAX_IMAGE_PIXELS} accepted."
                )
            # OCR reads grey pages: converting at once keeps a third of an RGB photo's
            # memory (a 60 Mpx photo took 740 MiB to OCR in colour, within the reading
            # worker's memory limit it must not). exif_transpose: phone photos are stored
            # sideways with an orientation tag (kept in `info` by the conversion).
            grey = frame.convert("L")
            ImageOps.exif_transpose(grey, in_place=True)
            yield grey
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageUnreadable(f"the image cannot be decoded ({exc}).") from exc


def _row_profile_score(image: Image.Image) -> float:
    """Variance of the mean darkness per row: high when text lines are horizontal."""
    column = image.resize((1, image.height), Image.Resampling.BOX)
    values = list(column.tobytes())
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values)


def estimate_skew(image: Image.Image, *, max_degrees: float = 5.0) -> float:
    """The rotation (degrees, counter-clockwise) that makes the text lines horizontal."""
    small = image.convert("L")
    if small.width > 900:
        small = small.resize((900, max(1, round(small.height * 900 / small.width))))
    # Ink as white on black so that the rotation's fill (black) adds no ink.
    inverted = ImageOps.invert(small).point(lambda v: 255 if v > 80 else 0)

    def score(angle: float) -> float:
        return _row_profile_score(inverted.rotate(angle, resample=Image.Resampling.BILINEAR))

    best = max((step * 0.5 for step in range(-10, 11)), key=score)
    fine = [best + step * 0.1 for step in range(-5, 6) if abs(best + step * 0.1) <= max_degrees]
    return round(max(fine, key=score), 2)


def _otsu_threshold(image: Image.Image) -> int:
    histogram = image.histogram()[:256]
    total = sum(histogram)
    sum_all = sum(i * h for i, h in enumerate(histogram))
    sum_background = weight_background = 0.0
    best_threshold, best_variance = 128, -1.0
    for threshold, count in enumerate(histogram):
        weight_background += count
        if weight_background == 0:
            continue
        weight_foreground = total - weight_background
        if weight_foreground == 0:
            break
        sum_background += threshold * count
        mean_background = sum_background / weight_background
        mean_foreground = (sum_all - sum_background) / weight_foreground
        variance = weight_background * weight_foreground * (mean_background - mean_foreground) ** 2
        if variance > best_variance:
            best_variance, best_threshold = variance, threshold
    return best_threshold


def prepare_image(
    image: Image.Image, points_per_pixel: float, *, binarise: bool = True
) -> tuple[Image.Image, float, float]:
    """Grey, denoised, deskewed and binarised page; returns it with its (possibly changed)
    points-per-pixel factor and the skew angle that was corrected."""
    grey = image.convert("L")
    # Tesseract is tuned for ~300 dpi; points_per_pixel of 0.24 is 300 dpi, 0.36 is 200 dpi.
    if points_per_pixel > 0.3:
        factor = min(points_per_pixel / 0.24, 3.0)
        grey = grey.resize(
            (round(grey.width * factor), round(grey.height * factor)), Image.Resampling.LANCZOS
        )
        points_per_pixel /= factor
    grey = grey.filter(ImageFilter.MedianFilter(3))
    skew = estimate_skew(grey)
    if skew:
        grey = grey.rotate(skew, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    if not binarise:
        return grey, points_per_pixel, skew
    threshold = _otsu_threshold(grey)
    binary = grey.point(lambda v: 255 if v > threshold else 0)
    return binary, points_per_pixel, skew


@lru_cache(maxsize=1)
def _installed_languages() -> frozenset[str]:
    try:
        return frozenset(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError) as exc:
        raise OcrFailed(f"Tesseract is not available ({exc}).") from exc


def _languages(requested: str) -> str:
    installed = _installed_languages()
    usable = [lang for lang in requested.split("+") if lang in installed]
    if not usable:
        raise OcrFailed(
            f"none of the OCR languages {requested} is installed for Tesseract "
            f"(installed: {', '.join(sorted(installed)) or 'none'})."
        )
    return "+".join(usable)


def ocr_page(
    image: Image.Image,
    page: int,
    points_per_pixel: float,
    *,
    languages: str = DEFAULT_LANGUAGES,
    timeout: float = OCR_TIMEOUT_SECONDS,
    page_segmentation: int = 3,
    binarise: bool = True,
) -> OcrPage:
    """OCR one page image; raises OcrFailed when Tesseract is missing or fails.

    `page_segmentation` is Tesseract's --psm: 3 (automatic layout analysis) suits invoices;
    11 (sparse text) finds words that layout analysis drops, at the price of reading order.
    """
    prepared, points_per_pixel, skew = prepare_image(image, points_per_pixel, binarise=binarise)
    try:
        data = pytesseract.image_to_data(
            prepared,
            lang=_languages(languages),
            config=f"--psm {page_segmentation} --dpi {round(72 / points_per_pixel)}",
            output_type=pytesseract.Output.DICT,
            timeout=timeout,
        )
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrFailed("Tesseract is not installed or not on the PATH.") from exc
    except (pytesseract.TesseractError, RuntimeError, OSError) as exc:
        # pytesseract reports its timeout as a RuntimeError.
        raise OcrFailed(f"Tesseract failed: {str(exc).strip() or type(exc).__name__}.") from exc
    return OcrPage(
        words=_words(data, page, points_per_pixel),
        width=prepared.width * points_per_pixel,
        height=prepared.height * points_per_pixel,
        skew_degrees=skew,
    )


def _words(data: dict[str, list], page: int, scale: float) -> list[Word]:  # type: ignore[type-arg]
    """Tesseract words as layout words.

    A word's vertical extent is that of its Tesseract line when that line box is sane, so
    that "ace" and "Ag" on one line share a band; a line box much taller than its words
    (Tesseract joined two slightly offset lines) is not trusted and the word keeps its own.
    """
    line_boxes: dict[tuple[int, int, int], tuple[int, int]] = {}
    heights: dict[tuple[int, int, int], list[int]] = {}
    for i, level in enumerate(data["level"]):
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if level == 4:
            line_boxes[key] = (data["top"][i], data["top"][i] + data["height"][i])
        elif level == 5 and (data["text"][i] or "").strip():
            heights.setdefault(key, []).append(data["height"][i])
    words: list[Word] = []
    for i, level in enumerate(data["level"]):
        # Quotes and bars glued to a word are scanner artefacts (a table rule, a speck).
        text = (data["text"][i] or "").strip().strip("|‘’‚“”„`_")
        # A speck before a number reads as a leading dot or comma (".16-03-2026").
        text = re.sub(r"^[.,:;]+(?=\w)", "", text)
        if level != 5 or not text:
            continue
        confidence = float(data["conf"][i])
        if confidence < MIN_WORD_CONFIDENCE or _NOISE.fullmatch(text):
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        word_top, word_height = data["top"][i], data["height"][i]
        line_heights = sorted(heights.get(key, [word_height]))
        typical = line_heights[len(line_heights) // 2]
        line_top, line_bottom = line_boxes.get(key, (word_top, word_top + word_height))
        if line_bottom - line_top > 1.6 * typical:
            line_top, line_bottom = word_top, word_top + word_height
        left, width = data["left"][i], data["width"][i]
        words.append(
            Word(
                text=text,
                x0=left * scale,
                top=line_top * scale,
                x1=(left + width) * scale,
                bottom=line_bottom * scale,
                page=page,
                size=typical * scale * _LINE_HEIGHT_TO_SIZE,
                confidence=confidence / 100,
            )
        )
    return words
