"""Fetching the MNIST and Fashion-MNIST files once, verified, into a cache folder.

    path = fetch(FILES["mnist"]["train-images"], folder, BASE_URLS["mnist"])

Every file is checked against its published size and SHA-256 before use
(on every load, not only after a download). A download is written to a
temporary file in the destination folder and renamed onto its final name only
once size and digest match, so an interrupted, truncated or tampered download
leaves nothing behind. The digests below are the ones TensorFlow Datasets
publishes for these exact files (``tensorflow_datasets/url_checksums/mnist.txt``
and ``fashion_mnist.txt``) and were cross-checked against other independent
listings; an entry whose ``sha256`` is ``None`` (only possible for tables you
build yourself) is checked by size here and by its IDX header when read.

The cache folder is ``root`` when given, else the ``TINYGAN_DATA`` environment
variable, else ``~/.cache/tinygan``; each data set lives in a subfolder named
after it (``<root>/mnist/``, ``<root>/fashion-mnist/``).
"""
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from typing import NamedTuple, Optional

from .errors import DataError

ENV_VAR = "TINYGAN_DATA"
DEFAULT_ROOT = os.path.join("~", ".cache", "tinygan")
CHUNK = 1 << 16


class RemoteFile(NamedTuple):
    """One published file: its name, its size in bytes and its SHA-256 (hex) or None."""
    name: str
    size: int
    sha256: Optional[str]


BASE_URLS = {
    "mnist": "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "fashion-mnist": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
}


def _files(entries):
    """{"train-images": RemoteFile, ...} from the four (name, size, sha256) of one data set."""
    names = ("train-images", "train-labels", "test-images", "test-labels")
    return {key: RemoteFile(*entry) for key, entry in zip(names, entries)}


FILES = {
    "mnist": _files([
        ("train-images-idx3-ubyte.gz", 9912422,
         "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        ("train-labels-idx1-ubyte.gz", 28881,
         "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        ("t10k-images-idx3-ubyte.gz", 1648877,
         "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        ("t10k-labels-idx1-ubyte.gz", 4542,
         "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    ]),
    "fashion-mnist": _files([
        ("train-images-idx3-ubyte.gz", 26421880,
         "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
        ("train-labels-idx1-ubyte.gz", 29515,
         "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
        ("t10k-images-idx3-ubyte.gz", 4422102,
         "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
        ("t10k-labels-idx1-ubyte.gz", 5148,
         "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
    ]),
}


def data_root(root=None):
    """The cache folder: ``root``, else $TINYGAN_DATA, else ~/.cache/tinygan (user-expanded)."""
    chosen = root if root is not None else os.environ.get(ENV_VAR) or DEFAULT_ROOT
    return os.path.abspath(os.path.expanduser(os.fspath(chosen)))


def sha256_of(path):
    """The SHA-256 hex digest of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path, remote):
    """Raise DataError unless the file at ``path`` has ``remote``'s size and SHA-256."""
    size = os.path.getsize(path)
    digest = sha256_of(path) if remote.sha256 is not None else None
    _check(size, digest, remote, path, "Delete it and fetch it again.")


def fetch(remote, folder, base_url, download=True, timeout=60.0):
    """The path of ``remote`` in ``folder``, verified; downloaded from ``base_url`` if missing.

    With ``download=False`` a missing file raises DataError saying where to put it.
    """
    folder = os.fspath(folder)
    path = os.path.join(folder, remote.name)
    url = base_url.rstrip("/") + "/" + remote.name
    if os.path.exists(path):
        verify(path, remote)
        return path
    if not download:
        raise DataError(f"{path} is missing: pass download=True to fetch it from {url}, or copy "
                        f"{remote.name} into {folder} yourself (the folder is chosen by root= or "
                        f"the {ENV_VAR} environment variable)")
    os.makedirs(folder, exist_ok=True)
    descriptor, partial = tempfile.mkstemp(dir=folder, prefix=f".{remote.name}.", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as out:
            size, digest = _stream(url, out, remote, timeout, folder)
        _check(size, digest, remote, url, "Nothing was saved; try again or pick another base_url.")
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return path


def _stream(url, out, remote, timeout, folder):
    """Copy ``url`` into ``out``; return (bytes read, SHA-256 hex). Reads at most size + 1 bytes."""
    digest, size = hashlib.sha256(), 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            while size <= remote.size:
                chunk = response.read(min(CHUNK, remote.size + 1 - size))
                if not chunk:
                    break
                size += len(chunk)
                digest.update(chunk)
                out.write(chunk)
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        raise DataError(f"could not download {url}: {error}. Check the network and base_url, or "
                        f"copy {remote.name} into {folder} yourself") from None
    return size, digest.hexdigest()


def _check(size, digest, remote, where, advice):
    if size != remote.size:
        raise DataError(f"{where}: {size} bytes{' or more' if size > remote.size else ''}, "
                        f"expected {remote.size} for {remote.name}; the file is truncated or not "
                        f"the published one. {advice}")
    if remote.sha256 is not None and digest != remote.sha256:
        raise DataError(f"{where}: SHA-256 {digest} does not match the published {remote.sha256} "
                        f"of {remote.name}; the file is corrupt or not the published one. {advice}")
