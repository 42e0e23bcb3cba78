"""budgetpdf: Chinese government budget PDFs to a validated Parquet dataset.

Stages (each its own package): ``budgetpdf.extract`` (PDF pages to page tables),
``budgetpdf.normalize`` (stitching, classification, records, identity checks).
"""

__version__ = "0.1.0"
