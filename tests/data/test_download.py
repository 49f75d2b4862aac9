"""Downloads against a local HTTP server: verified, atomic, and nothing left behind on failure."""
import gzip
import hashlib
import http.server
import os
import threading

import numpy as np
import pytest

from tinygan import data
from tinygan.data import DataError, RemoteFile, download, fetch
from tinygan.data.idx import encode_idx


@pytest.fixture
def server(monkeypatch):
    """A server on 127.0.0.1 answering ``routes[name] = (body, declared length or None)``."""
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    routes = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            name = self.path.lstrip("/")
            if name not in routes:
                self.send_error(404)
                return
            body, declared = routes[name]
            self.send_response(200)
            self.send_header("Content-Length", str(declared if declared else len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    watchdog = threading.Timer(60, httpd.shutdown)        # never outlives a stuck test
    watchdog.daemon = True
    watchdog.start()
    yield routes, f"http://127.0.0.1:{httpd.server_address[1]}/"
    watchdog.cancel()
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def remote(name, body):
    return RemoteFile(name, len(body), hashlib.sha256(body).hexdigest())


BODY = gzip.compress(encode_idx(np.arange(200, dtype=np.uint8) % 10), mtime=0)


def test_a_good_file_is_downloaded_verified_and_then_served_from_the_cache(server, tmp_path):
    routes, url = server
    routes["labels.gz"] = (BODY, None)
    folder = tmp_path / "cache"
    path = fetch(remote("labels.gz", BODY), folder, url, timeout=5)
    assert os.listdir(folder) == ["labels.gz"]
    assert open(path, "rb").read() == BODY
    routes.clear()                              # a second call must not download again
    assert fetch(remote("labels.gz", BODY), folder, url, timeout=5) == path


@pytest.mark.parametrize("served, declared, message", [
    (BODY[:-20], None, "truncated"),                          # short file, honest length
    (BODY[:-20], len(BODY), "truncated"),                     # connection drops early
    (BODY[:-1] + bytes([BODY[-1] ^ 1]), None, "SHA-256"),     # right size, wrong bytes
    (BODY + b"extra", None, "or more"),                       # too long
], ids=["short", "dropped", "tampered", "long"])
def test_a_bad_download_raises_and_leaves_nothing_behind(server, tmp_path, served, declared,
                                                         message):
    routes, url = server
    routes["labels.gz"] = (served, declared)
    folder = tmp_path / "cache"
    with pytest.raises(DataError, match=f"labels.gz.*{message}"):
        fetch(remote("labels.gz", BODY), folder, url, timeout=5)
    assert os.listdir(folder) == []


def test_unreachable_files_and_disabled_downloads_say_what_to_do(server, tmp_path):
    _, url = server
    with pytest.raises(DataError, match="could not download .*missing.gz.*404"):
        fetch(remote("missing.gz", BODY), tmp_path, url, timeout=5)
    assert os.listdir(tmp_path) == []
    with pytest.raises(DataError, match="missing.gz is missing: pass download=True"):
        fetch(remote("missing.gz", BODY), tmp_path, url, download=False)


def test_a_corrupt_cached_file_is_refused_before_use(tmp_path):
    (tmp_path / "labels.gz").write_bytes(BODY[:-1] + bytes([BODY[-1] ^ 1]))
    with pytest.raises(DataError, match="labels.gz.*SHA-256.*Delete it"):
        fetch(remote("labels.gz", BODY), tmp_path, "http://127.0.0.1:9/", download=False)


def test_the_published_table_holds_sizes_and_sha256_digests():
    assert set(download.FILES) == {"mnist", "fashion-mnist"} == set(download.BASE_URLS)
    for files in download.FILES.values():
        assert set(files) == {"train-images", "train-labels", "test-images", "test-labels"}
        for entry in files.values():
            assert entry.name.endswith("-ubyte.gz") and entry.size > 4000
            assert len(entry.sha256) == 64 and int(entry.sha256, 16) >= 0
    assert download.FILES["mnist"]["train-images"].size == 9912422


def test_cache_folder_comes_from_root_then_environment_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("TINYGAN_DATA", str(tmp_path / "env"))
    assert data.data_root() == str(tmp_path / "env")
    assert data.data_root(tmp_path / "arg") == str(tmp_path / "arg")
    monkeypatch.delenv("TINYGAN_DATA")
    assert data.data_root() == os.path.expanduser(os.path.join("~", ".cache", "tinygan"))


def fake_mnist(monkeypatch, routes, n=20, digests=True, labels_max=9):
    """Serve n random 28x28 images and labels under MNIST's names; point the table at them."""
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    pixels[0, 0, 0], pixels[0, 0, 1] = 0, 255
    labels = (np.arange(n) % (labels_max + 1)).astype(np.uint8)
    table = {}
    for part, array in (("images", pixels), ("labels", labels)):
        name = f"train-{part}-idx-ubyte.gz"
        body = gzip.compress(encode_idx(array), mtime=0)
        routes[name] = (body, None)
        entry = remote(name, body)
        table[f"train-{part}"] = entry if digests else entry._replace(sha256=None)
    monkeypatch.setitem(download.FILES, "mnist", table)
    return pixels, labels


def test_mnist_loads_from_a_mirror_into_the_cache_folder(server, monkeypatch, tmp_path):
    routes, url = server
    pixels, labels = fake_mnist(monkeypatch, routes)
    monkeypatch.setenv("TINYGAN_DATA", str(tmp_path))
    images = data.mnist("train", base_url=url, timeout=5)
    assert images.images.shape == (20, 1, 28, 28) and images.images.dtype == np.float32
    assert np.allclose(images.images[:, 0], pixels / 127.5 - 1, atol=1e-6)
    assert images.images[0, 0, 0, 0] == -1 and images.images[0, 0, 0, 1] == 1
    assert images.labels.dtype == np.int64 and np.array_equal(images.labels, labels)
    assert sorted(os.listdir(tmp_path / "mnist")) == sorted(routes)
    padded = data.get("mnist", download=False, pad_to_32=True)      # from the cache only
    assert padded.images.shape == (20, 1, 32, 32) and np.all(padded.images[:, :, :2] == -1)


def test_without_digest_size_and_idx_header_are_still_checked(server, monkeypatch, tmp_path):
    routes, url = server
    fake_mnist(monkeypatch, routes, digests=False)
    name = "train-labels-idx-ubyte.gz"
    size = len(routes[name][0])
    # the right size, but a header announcing a million labels
    routes[name] = (bytes([0, 0, 8, 1]) + (10 ** 6).to_bytes(4, "big") + bytes(size - 8), None)
    with pytest.raises(DataError, match=f"{name}.*announces shape \\(1000000,\\)"):
        data.mnist("train", root=tmp_path, base_url=url, timeout=5)


def test_labels_outside_0_to_9_are_refused(server, monkeypatch, tmp_path):
    routes, url = server
    fake_mnist(monkeypatch, routes, labels_max=10)
    with pytest.raises(DataError, match="train-labels.*0..9"):
        data.mnist("train", root=tmp_path, base_url=url, timeout=5)


def test_unknown_split_is_refused():
    with pytest.raises(ValueError, match="split"):
        data.fashion_mnist("validation", download=False)
