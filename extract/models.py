"""Typed output of the extract stage: what one PDF's pages hold, per page.

The normalize stage reads only these classes. Coordinates are PDF points in the
pdfplumber convention (origin top-left of the page as displayed, after /Rotate).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BBox:
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True)
class TextLine:
    """A line of repaired text outside any table (captions, prose)."""

    text: str
    bbox: BBox


@dataclass(frozen=True)
class GridCell:
    """One cell of a page table's grid, at its top-left slot.

    Slots covered by a span are not listed. ``text`` is repaired text ("" for an
    empty cell); ``None`` means glyphs were present but could not be decoded.
    """

    row: int
    col: int
    row_span: int
    col_span: int
    bbox: BBox
    text: str | None
    confidence: float | None = None  # 0-1 for text read by OCR (the lowest of its glyphs); None for PDF text
    indent: float | None = None  # pt from the cell's left edge to its first line's text (labels indented by depth)


@dataclass(frozen=True)
class PageTable:
    """One table as found on one page (before stitching)."""

    page: int  # 1-based PDF page index
    index_on_page: int  # 0-based, top to bottom
    bbox: BBox
    n_rows: int
    n_cols: int
    cells: tuple[GridCell, ...]
    row_edges: tuple[float, ...]  # n_rows + 1 y positions, top to bottom (in the table's reading frame)
    col_edges: tuple[float, ...]  # n_cols + 1 x positions, left to right (in the table's reading frame)
    captions_above: tuple[TextLine, ...] = ()  # title, 部门名称/编制部门, 单位, 续表 …, nearest last
    captions_below: tuple[TextLine, ...] = ()  # 注：… lines up to the next table
    ruled: bool = True  # False: found by text alignment (no rulings)
    engine: str = "pdfplumber"
    open_bottom: bool = False  # the bottom ruling was missing and was closed by the extractor
    open_top: bool = False  # the top ruling was missing (continuation page) and was closed by the extractor
    synthetic_row_edges: tuple[float, ...] = ()  # row edges added between text lines (no ruling printed there)
    text_source: str = "pdf"  # "pdf": the page's text layer; "ocr": text recognised on the rendered page
    rotation: int = 0  # 0, or 90/180/270: the table is printed turned; its row/col edges are in its reading frame

    def grid(self) -> list[list[GridCell | None]]:
        """Rows × cols; each slot holds the cell covering it (spans repeat the same cell)."""
        out: list[list[GridCell | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.row_span):
                for c in range(cell.col, cell.col + cell.col_span):
                    out[r][c] = cell
        return out

    def row_texts(self, row: int) -> list[str | None]:
        """Texts of one grid row, one entry per column ("" where covered by a span from above)."""
        texts: list[str | None] = [""] * self.n_cols
        for cell in self.cells:
            if cell.row == row:
                texts[cell.col] = cell.text
        return texts


@dataclass(frozen=True)
class PageInfo:
    """What a page is, beyond its tables."""

    page: int  # 1-based
    width: float
    height: float
    rotation: int  # /Rotate in degrees
    n_chars: int
    has_text_layer: bool  # any decodable characters at all
    garbled: bool  # text layer present but unusable ((cid:NN) glyphs, private-use or mojibake)
    lines: tuple[TextLine, ...] = ()  # repaired text lines outside tables (prose, captions)
    error: str | None = None  # the page could not be processed (the rest of the document was)
    n_images: int = 0  # images drawn on the page: no text but images = scanned; neither = blank
    n_undecodable: int = 0  # glyphs with no Unicode mapping ((cid:NN), NUL, private use): their cells' text is None
    reading_turn: int = 0  # the page was read turned by this many degrees (a table printed sideways)
    sideways_tables: int = 0  # tables whose text still runs sideways in the reading frame (not read right)
    text_source: str = "pdf"  # "ocr": lines and tables were read from the rendered page (see ocr)
    ocr: str | None = None  # for an OCR'd page: reader and version, dpi and skew found ("rapidocr 1.4.4, 200 dpi, skew -0.42°")

    @property
    def needs_ocr(self) -> bool:
        """The page must be read from its image: a scan (no text layer) or undecodable glyphs.

        Stays True after OCR (it describes the PDF's text layer); ``text_source`` says
        whether the page was read by OCR."""
        return self.error is None and ((not self.has_text_layer and self.n_images > 0) or self.garbled)

    @property
    def unread(self) -> bool:
        """Needs OCR and was not OCR'd (no reader installed, OCR off, or OCR failed)."""
        return self.needs_ocr and self.text_source != "ocr"

    @property
    def is_blank(self) -> bool:
        """Nothing to read at all (no text, no image): a separator page, not a scan."""
        return self.n_chars == 0 and self.n_images == 0 and self.error is None


@dataclass(frozen=True)
class PageResult:
    """What an engine gives for one page: its facts, its tables and warnings.

    A page that could not be processed has ``info.error`` set and no tables; the
    document loop (``extract_document``) makes such results, engines need not.
    """

    info: PageInfo
    tables: tuple[PageTable, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def page(self) -> int:
        return self.info.page


@dataclass(frozen=True)
class ExtractedDocument:
    """All pages of one PDF after the extract stage."""

    source_path: str
    doc_id: str  # sha256 hex of the file bytes
    page_count: int
    pages: tuple[PageInfo, ...]
    tables: tuple[PageTable, ...]  # in page order, top to bottom
    engine: str
    warnings: tuple[str, ...] = field(default=())
    ocr_unavailable: str | None = None  # why pages that need OCR were not read (not installed, off)

    @property
    def pages_without_text(self) -> list[int]:
        return [p.page for p in self.pages if not p.has_text_layer]

    @property
    def garbled_pages(self) -> list[int]:
        return [p.page for p in self.pages if p.garbled]

    @property
    def ocr_pages(self) -> list[int]:
        """Pages read by OCR."""
        return [p.page for p in self.pages if p.text_source == "ocr"]
