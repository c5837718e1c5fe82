"""
A pytest plugin that runs MLflow 2.10.2's own REST tests against `aimdb serve`.

MLflow's tests start their server through tests/tracking/integration_test_utils.py::_init_server;
this plugin replaces that function (before the test modules import it), and test_mlflow_artifacts.py's
own _launch_server, with ones that take a fresh aimdb server on a fresh database of the backend named
by AIMDB_MLFLOW_BACKEND (sqlite, postgresql or mysql) from tests/mlflow/server-pool.mjs (one Node
process for the whole session) and yield its URL. The vendored tree is read where it lies (run pytest from it, with
PYTHONDONTWRITEBYTECODE=1 and -p no:cacheprovider); scripts/test-mlflow.sh does all of that.

Tests that cannot pass against aimdb by design are skipped with their reason (EXCLUDED below,
explained in docs/mlflow.md).
"""
import contextlib
import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

import tests.tracking.integration_test_utils as integration_test_utils
from tests.helper_functions import LOCALHOST, get_safe_port

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
AIMDB_BIN = os.path.join(REPO, "bin", "aimdb.js")

# node id (without the parameter) -> why it cannot pass against aimdb. Keep docs/mlflow.md in step.
EXCLUDED = {
    "test_rest_tracking.py::test_artifacts": "expects runs' artifact URIs under the server's local file root (file://); aimdb's are mlflow-artifacts:/ URIs served by its artifact store",
    "test_rest_tracking.py::test_path_validation": "two of its three requests go to the web UI's /get-artifact and /model-versions/get-artifact at the server root, which aimdb does not serve (artifacts/list answers 'Invalid path' as MLflow does)",
    "test_rest_tracking.py::test_create_model_version_with_path_source": "registers a version from a run's local artifact directory; aimdb's run artifacts are mlflow-artifacts:/ URIs, not local paths",
    "test_rest_tracking.py::test_create_model_version_with_file_uri": "registers a version from a run's local artifact directory; aimdb's run artifacts are mlflow-artifacts:/ URIs, not local paths",
    "test_rest_tracking.py::test_logging_model_with_local_artifact_uri": "needs scikit-learn (not installed; fails against MLflow's own server here too)",
    "test_rest_tracking.py::test_get_metric_history_bulk_calls_optimized_impl_when_expected": "calls MLflow's Flask handler with a mocked SqlAlchemyStore in-process; no server involved",
    "test_rest_tracking.py::test_create_promptlab_run_handler_rejects_invalid_requests": "MLflow web UI's prompt-engineering endpoint (ajax-api only), not part of the tracking API",
    "test_rest_tracking.py::test_create_promptlab_run_handler_returns_expected_results": "MLflow web UI's prompt-engineering endpoint (ajax-api only), not part of the tracking API",
    "test_rest_tracking.py::test_gateway_proxy_handler_rejects_invalid_requests": "MLflow web UI's AI gateway proxy (ajax-api only), not part of the tracking API",
    "test_rest_tracking.py::test_upload_artifact_handler_rejects_invalid_requests": "MLflow web UI's upload-artifact endpoint (ajax-api only), not served",
    "test_rest_tracking.py::test_upload_artifact_handler": "MLflow web UI's upload-artifact endpoint (ajax-api only), not served",
    "test_mlflow_artifacts.py::test_mlflow_artifacts_rest_apis": "uploads to arbitrary paths of the proxy's root and reads them from MLflow's on-disk layout; aimdb's proxy serves run artifacts (<experiment>/<run>/artifacts/...) from a content-addressed store",
    "test_mlflow_artifacts.py::test_log_artifact": "reads the uploaded files from MLflow's on-disk layout under --artifacts-destination; aimdb's artifact store is content-addressed",
    "test_mlflow_artifacts.py::test_mlflow_artifacts_example": "needs MLflow's examples/ folder (not vendored; fails against MLflow's own server here too)",
    "test_mlflow_artifacts.py::test_rest_get_artifact_api_proxied_with_artifacts": "the web UI's /get-artifact at the server root, not served",
    "test_mlflow_artifacts.py::test_rest_get_model_version_artifact_api_proxied_artifact_root": "the web UI's /model-versions/get-artifact at the server root, and a file placed in MLflow's on-disk layout",
    "test_mlflow_artifacts.py::test_mime_type_for_download_artifacts_api": "uploads to arbitrary paths of the proxy's root (dir/a.txt), outside any run",
    "test_mlflow_artifacts.py::test_server_overrides_requested_mime_type": "uploads to arbitrary paths of the proxy's root (dir/b.pkl), outside any run",
}


def _exclusion(nodeid):
    # The parameters may hold slashes (`[a.txt-text/plain]`): cut them off before taking the file name.
    name = nodeid.split("[")[0].split("/")[-1]
    return EXCLUDED.get(name) or EXCLUDED.get(name.split("::")[0])


def pytest_collection_modifyitems(config, items):
    for item in items:
        reason = _exclusion(item.nodeid)
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=f"excluded for aimdb: {reason}"))
        # test_mlflow_artifacts.py launches `mlflow server` through a function of its own.
        module = getattr(item, "module", None)
        if module is not None and hasattr(module, "_launch_server") and module.__name__.endswith("test_mlflow_artifacts"):
            module._launch_server = _launch_aimdb_server


def _fresh_database(tmp_dir):
    """A fresh database of the backend under test: (url, drop)."""
    backend = os.environ.get("AIMDB_MLFLOW_BACKEND", "sqlite")
    name = f"aimdb_mlflow_{uuid.uuid4().hex[:12]}"
    if backend == "sqlite":
        return f"sqlite:///{os.path.join(tmp_dir, 'aimdb.sqlite')}", lambda: None
    if backend == "postgresql":
        import psycopg2

        admin_url = os.environ["AIMDB_TEST_POSTGRES_URL"]

        def run(statement):
            connection = psycopg2.connect(admin_url)
            connection.autocommit = True
            try:
                connection.cursor().execute(statement)
            finally:
                connection.close()

        run(f'create database "{name}"')
        url = urllib.parse.urlsplit(admin_url)._replace(path=f"/{name}").geturl()
        return url, lambda: run(f'drop database if exists "{name}" with (force)')
    if backend == "mysql":
        import pymysql

        admin_url = os.environ["AIMDB_TEST_MYSQL_URL"]
        parts = urllib.parse.urlsplit(admin_url)

        def run(statement):
            connection = pymysql.connect(
                host=parts.hostname, port=parts.port or 3306, user=urllib.parse.unquote(parts.username or "root"),
                password=urllib.parse.unquote(parts.password or ""), autocommit=True,
            )
            try:
                connection.cursor().execute(statement)
            finally:
                connection.close()

        run(f"create database `{name}` character set utf8mb4 collate utf8mb4_bin")
        url = parts._replace(path=f"/{name}").geturl()
        return url, lambda: run(f"drop database if exists `{name}`")
    raise ValueError(f"AIMDB_MLFLOW_BACKEND must be sqlite, postgresql or mysql, not {backend!r}")


def _await_ready(url, process, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"aimdb serve exited with {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"aimdb serve was not ready at {url} within {timeout} s")


class _Server:
    """One `aimdb serve` process on its own fresh database."""

    def __init__(self, extra_env=None):
        import tempfile

        self.tmp_dir = tempfile.mkdtemp(prefix="aimdb-mlflow-")
        db_url, self.drop = _fresh_database(self.tmp_dir)
        port = get_safe_port()
        self.url = f"http://{LOCALHOST}:{port}"
        self.log = open(os.path.join(self.tmp_dir, "server.log"), "wb")
        self.process = subprocess.Popen(
            [os.environ.get("AIMDB_NODE", "node"), AIMDB_BIN, "--url", db_url, "serve", "--host", LOCALHOST, "--port", str(port), "--log-level", "warn"],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=os.getcwd(), env={**os.environ, **(extra_env or {})},
        )

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        self.drop()


class _Pool:
    """
    tests/mlflow/server-pool.mjs: one Node process that starts each test's aimdb server (the built
    package's startServer, what `aimdb serve` runs) on a fresh database, preparing the next ones
    while a test runs. Much cheaper than a Node process per test.
    """

    def __init__(self):
        import json

        backend = os.environ.get("AIMDB_MLFLOW_BACKEND", "sqlite")
        self.process = subprocess.Popen(
            [os.environ.get("AIMDB_NODE", "node"), os.path.join(REPO, "tests", "mlflow", "server-pool.mjs"), backend],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=os.getcwd(),
        )
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait()
            raise pytest.UsageError(f"the aimdb server pool for {backend} exited with {code} (its message is above)")
        self.control = json.loads(line)["control"]

    def _request(self, method, path, timeout=300):
        request = urllib.request.Request(f"{self.control}{path}", method=method)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            return __import__("json").loads(body) if body else None

    def acquire(self, port=None):
        try:
            return self._request("POST", "/servers" if port is None else f"/servers?port={int(port)}")
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"the aimdb server pool could not start a server: {error.read().decode()}") from None

    def release(self, server_id):
        self._request("DELETE", f"/servers/{server_id}")

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


_pool = None


def _the_pool():
    global _pool
    if _pool is None:
        _pool = _Pool()
    return _pool


def pytest_unconfigure(config):
    if _pool is not None:
        _pool.close()


@contextlib.contextmanager
def _init_aimdb_server(backend_uri, root_artifact_uri, extra_env=None, app=None):  # noqa: ARG001 - MLflow's signature
    """Yields the URL of an aimdb server on a fresh database (MLflow's _init_server, for aimdb)."""
    import mlflow

    mlflow.set_tracking_uri(None)
    _forget_artifact_repositories()
    if extra_env:
        # Settings from the environment need a process of their own.
        server = _Server(extra_env)
        try:
            _await_ready(server.url, server.process)
            yield server.url
        finally:
            server.stop()
        return
    pool = _the_pool()
    server = pool.acquire()
    try:
        yield server["url"]
    finally:
        pool.release(server["id"])


def _forget_artifact_repositories():
    """
    MLflow's client caches each run's artifact repository by run id for the whole process. Its own
    run ids are UUIDs; aimdb's are integers, and every test's fresh database starts again at run 1,
    so a cached repository would point at the previous test's (stopped) server.
    """
    from mlflow.tracking._tracking_service.client import TrackingServiceClient

    TrackingServiceClient._artifact_repos_cache.clear()


class _LaunchedServer:
    """What test_mlflow_artifacts.py's fixture keeps of the server it launched: something to kill()."""

    def __init__(self, release):
        self._release = release

    def kill(self):
        self._release()


def _launch_aimdb_server(host, port, backend_store_uri, default_artifact_root, artifacts_destination):  # noqa: ARG001
    """test_mlflow_artifacts.py's _launch_server, for aimdb: a fresh server on the port the test chose."""
    pool = _the_pool()
    _forget_artifact_repositories()
    server = pool.acquire(port)
    return _LaunchedServer(lambda: pool.release(server["id"]))


integration_test_utils._init_server = _init_aimdb_server
