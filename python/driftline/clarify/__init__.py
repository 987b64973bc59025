"""SageMaker Clarify's analysis configuration (the JSON file a Clarify processing job or a
Model Monitor bias / explainability job reads): its bias fields parsed into
:class:`AnalysisConfig` (:mod:`driftline.clarify.config`), its explainability fields
(``methods.shap``, ``predictor``) into :class:`AttributionConfig` (:mod:`driftline.clarify.attribution`)."""

from driftline.clarify.attribution import AttributionConfig
from driftline.clarify.attribution import load_config as load_attribution_config
from driftline.clarify.config import AnalysisConfig, FacetConfig, load_analysis_config, parse_analysis_config

__all__ = ["AnalysisConfig", "AttributionConfig", "FacetConfig", "load_analysis_config", "load_attribution_config", "parse_analysis_config"]
