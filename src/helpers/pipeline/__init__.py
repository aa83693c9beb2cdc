"""The pipeline of saved datasets: clean → values → evaluation → flagship (see docs/pipeline.md)."""

from helpers.pipeline.datasets import DatasetError, Datasets
from helpers.pipeline.stages import STAGES, Build, Stage, build, open_datasets, stage_columns, stale_stages

__all__ = ["STAGES", "Build", "DatasetError", "Datasets", "Stage", "build", "open_datasets", "stage_columns",
           "stale_stages"]
