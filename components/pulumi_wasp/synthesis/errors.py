"""The one error synthesis fails with."""


class ProgramError(Exception):
    """The program could not be synthesized: bad project files, unknown stack, or the program raised."""
