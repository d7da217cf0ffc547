"""publish: one Markdown source, two books (EPUB 3 and print PDF)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("publish")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"
