"""The one exception a user mistake raises: the CLI prints its message and exits with code 2."""


class AuditorError(Exception):
    """Bad usage or bad input, with a message that names the file (and line) and what is wrong."""
