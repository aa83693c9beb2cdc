"""The cleaning layer: raw extracts in data/raw/<source>/ → typed tables in data/processed/."""

from helpers.cleaning.pipeline import CleanRun, RawDirError, clean_all

__all__ = ["CleanRun", "RawDirError", "clean_all"]
