"""The cleaning layer: raw extracts in data/raw/<source>/ → typed tables in data/processed/ (the clean stage)."""

from helpers.cleaning.places import OUT_OF_SCOPE
from helpers.cleaning.rules import Rules
from helpers.cleaning.source import OUTCOMES, Source, sources_of
from helpers.cleaning.stage import CleanRun, RawDirError, clean_all, raw_fingerprint, still_fresh, unchanged
from helpers.cleaning.summary import reconciliation_summary

__all__ = ["OUTCOMES", "OUT_OF_SCOPE", "CleanRun", "RawDirError", "Rules", "Source", "clean_all", "raw_fingerprint",
           "reconciliation_summary", "sources_of", "still_fresh", "unchanged"]
