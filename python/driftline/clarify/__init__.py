"""SageMaker Clarify's analysis configuration (the JSON file a Clarify processing job or a
Model Monitor bias / explainability job reads), parsed into :class:`AnalysisConfig`."""

from driftline.clarify.config import AnalysisConfig, FacetConfig, load_analysis_config, parse_analysis_config

__all__ = ["AnalysisConfig", "FacetConfig", "load_analysis_config", "parse_analysis_config"]
