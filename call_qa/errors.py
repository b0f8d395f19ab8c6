"""Exceptions that reach people: each message says what was wrong, where, and what to do."""


class CallQAError(Exception):
    """Base of every error call-qa raises on purpose."""


class ConfigError(CallQAError):
    """A configuration file is missing, malformed or has unknown keys."""


class AudioError(CallQAError):
    """A recording cannot be decoded or holds no usable audio."""


class ModelError(CallQAError):
    """A model cannot be found or loaded (missing package, damaged weights, no hub)."""
