"""call-qa: automatic QA for recorded contact-centre phone calls."""

__version__ = "0.1.0"
