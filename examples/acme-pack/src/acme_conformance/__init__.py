"""ACME's conformance policy pack: the package directory holds ``policies/``, ``presets/`` and ``fixtures/``."""
