"""auditor: a GDPR audit and compliance reporter for LinkedIn account connections."""

__version__ = "0.1.0"
