"""The ``budgetpdf`` command line."""

from __future__ import annotations

import click

from . import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="budgetpdf")
def main() -> None:
    """Turn Chinese government budget PDFs into a validated Parquet dataset."""


if __name__ == "__main__":
    main()
