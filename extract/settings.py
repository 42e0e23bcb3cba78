"""Typed knobs of the extract stage, validated in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExtractSettings:
    """Tolerances in PDF points unless stated otherwise.

    The defaults were tuned on the real corpus (Excel/WPS/Word exports with rulings
    drawn as lines, thin filled rects or thin filled curves).
    """

    # --- rulings
    max_ruling_thickness: float = 3.0  # a filled rect/curve thinner than this is a ruling
    snap_tolerance: float = 3.0  # rulings closer than this merge (double lines, misalignment)
    join_tolerance: float = 3.0  # collinear segments with a gap below this are one segment
    intersection_tolerance: float = 3.0  # how far a ruling may miss another and still touch it
    min_coverage: float = 0.6  # share of a slot boundary a ruling must cover to separate slots
    min_open_extent: float = 6.0  # verticals running this far past the last ruling = open bottom
    # dotted / dashed rulings: marks no larger than max_ruling_thickness chained into rulings
    dot_align_tolerance: float = 1.0  # marks of one ruling share their centre line within this
    dot_max_gap: float = 4.0  # the widest gap between two marks of one ruling
    dot_min_count: int = 4  # marks a ruling needs at least
    dot_min_length: float = 10.0  # and the length it must span
    # --- rows without rulings inside a ruled frame (tables ruled only around blocks)
    split_unruled_bands: bool = True
    # --- chars / text
    dedupe_tolerance: float = 1.0  # same glyph drawn within this distance = fake bold
    line_overlap: float = 0.5  # share of the smaller char height two chars must share to be on one line
    word_gap_ratio: float = 0.25  # a gap wider than this × font size is a space
    line_split_gap_ratio: float = 3.0  # outside tables: a gap this × size wide splits a line
    # --- scans: an image over the page with a few digital glyphs (page number, stamp) is no text layer
    scan_image_coverage: float = 0.5  # images cover at least this share of the page
    scan_text_coverage: float = 0.01  # and glyph boxes less than this share of the image area
    # --- garbled text layers
    garbled_min_chars: int = 20
    garbled_bad_ratio: float = 0.05  # (cid:NN) / private use / U+FFFD share that marks a page garbled
    # --- unruled (text-aligned) tables
    detect_unruled: bool = True
    unruled_min_rows: int = 4
    unruled_min_numeric_cols: int = 2
    unruled_min_cols: int = 3
    unruled_align_tolerance: float = 4.0
    # --- captions
    caption_max_gap: float = 80.0  # lines further than this above a table are not its caption
    # --- OCR of pages without a usable text layer (raster.py, ocr.py)
    ocr: str = "auto"  # "auto" or "rapidocr" (PP-OCR via rapidocr-onnxruntime, the `ocr` extra), or "off"
    ocr_dpi: int = 200  # render resolution, dots per inch
    ocr_max_skew: float = 3.0  # degrees either way searched for the page's skew
    ocr_min_hruling: float = 25.0  # a horizontal ruling is ink at least this long (pt); CJK strokes are shorter
    ocr_min_vruling: float = 12.0  # a vertical ruling is ink at least this tall (pt)
    ocr_free_vruling: float = 40.0  # shorter vertical rulings must run between two horizontal ones
    ocr_free_hruling: float = 150.0  # shorter horizontal rulings must run between two vertical ones
    ocr_threads: int = 1  # onnxruntime / tesseract threads per process (batch workers run in parallel)

    def __post_init__(self) -> None:
        for name in ("snap_tolerance", "join_tolerance", "intersection_tolerance", "dedupe_tolerance"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if not 0 < self.min_coverage <= 1:
            raise ValueError("min_coverage must be in (0, 1]")
        if self.ocr not in ("auto", "rapidocr", "off"):
            raise ValueError(f"ocr must be auto, rapidocr or off, not {self.ocr!r}")
        if not 72 <= self.ocr_dpi <= 600:
            raise ValueError("ocr_dpi must be in 72..600")
        if self.ocr_threads < 1:
            raise ValueError("ocr_threads must be >= 1")
        if self.unruled_min_rows < 2 or self.unruled_min_cols < 2:
            raise ValueError("unruled tables need at least 2 rows and 2 columns")


DEFAULT_SETTINGS = ExtractSettings()
