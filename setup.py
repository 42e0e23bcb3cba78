"""The one compiled part of budgetpdf: the pdfium glyph loop (extract/_glyphrun.c).

Everything else is declared in pyproject.toml. The extension is optional: without a C
compiler (or Python's headers) the install still succeeds and pdfium_raw makes the same
calls through ctypes, with the same output, 1.5-2x slower on prose pages
(bench/prose.py); `budgetpdf extract` then says so. Its functions are called through
ctypes with pdfium's function addresses from pypdfium2, so it needs no pdfium headers or
linking; the Python module it defines is empty.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("budgetpdf.extract._glyphrun", ["extract/_glyphrun.c"],
                             extra_compile_args=["-O2"], optional=True)])
