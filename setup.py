"""The one compiled part of budgetpdf: the pdfium glyph loop (extract/_glyphrun.c).

Everything else is declared in pyproject.toml. The extension is optional: without a C
compiler the install still succeeds and pdfium_raw makes the same calls through ctypes,
with the same output, about 1.3x slower on prose pages (bench/prose.py).
It is a plain C library loaded with ctypes (no Python.h): it takes pdfium's function
addresses from pypdfium2, so it needs no pdfium headers or linking either.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("budgetpdf.extract._glyphrun", ["extract/_glyphrun.c"],
                             extra_compile_args=["-O2"], optional=True)])
