"""Powertools Logger, Tracer and Metrics for a domain's `handler.py`.

Service name, metrics namespace and log level come from `POWERTOOLS_SERVICE_NAME`,
`POWERTOOLS_METRICS_NAMESPACE` and `POWERTOOLS_LOG_LEVEL`, which `lamina` sets per function.
"""

import warnings
from dataclasses import dataclass

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

# Standard-library loggers whose records should come out as Powertools JSON, with the
# correlation id: our packages, and Mangum, which logs unhandled application errors.
STRUCTURED_LOGGERS = frozenset({"app", "shared", "mangum"})

# Powertools warns on every invocation that records no metric of its own; with the cold-start
# metric on, that is every warm invocation, and the warning would drown the real logs.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)


@dataclass(frozen=True)
class Observability:
    logger: Logger
    tracer: Tracer
    metrics: Metrics


def init_observability() -> Observability:
    """Create the Powertools trio. Call it after importing the app, so that its loggers exist
    and get the JSON formatter too."""
    logger = Logger()
    copy_config_to_registered_loggers(source_logger=logger, include=set(STRUCTURED_LOGGERS))
    return Observability(logger=logger, tracer=Tracer(), metrics=Metrics())
