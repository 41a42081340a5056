"""xswitch: a terminal account switcher for people who work in many AWS accounts."""

__version__ = "0.1.0"
