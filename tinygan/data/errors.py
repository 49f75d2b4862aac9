"""The errors the data loaders raise for data that is missing, damaged or not installed."""


class DataError(RuntimeError):
    """A data file that is missing, truncated, fails its checksum, or is otherwise unusable.

    The message names the file (or package) and says what to do about it.
    """


class MissingDependency(DataError, ImportError):
    """A data set needs an optional package that is not installed (also an ImportError)."""
