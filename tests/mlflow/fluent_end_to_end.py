"""
End to end with MLflow's real fluent client against an aimdb server: a training script's calls
(start_run, log_params, log_metrics in a loop, set_tags, nested runs, search_runs with a filter and
an order, a 100,000-point metric history, the model registry: an alias and a stage, end_run), then
the same runs read through aimdb's native API.

    ../shared/tools/mlflow/python tests/mlflow/fluent_end_to_end.py http://127.0.0.1:PORT

exits 0 when every check holds (an AssertionError's traceback otherwise). tests/mlflow/
fluent-client.test.ts runs it against a started server on every backend.
"""
import json
import math
import sys
import time
import urllib.request

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric

HISTORY_POINTS = 100_000


def _native(url, path):
    with urllib.request.urlopen(f"{url}/api/v1{path}") as response:
        return json.loads(response.read())


def check(url):
    mlflow.set_tracking_uri(url)
    client = MlflowClient(url)
    experiment_id = mlflow.set_experiment("fluent-e2e").experiment_id

    with mlflow.start_run(run_name="parent") as parent:
        mlflow.log_params({"lr": 0.01, "optimizer": "adam", "layers": 4})
        for step in range(50):
            mlflow.log_metrics({"loss": 1.0 / (step + 1), "acc": step / 50}, step=step)
        mlflow.set_tags({"team": "vision", "stage": "baseline"})
        # A warm-up phase logged at negative steps (MLflow allows them).
        mlflow.log_metric("warmup_lr", 1e-5, step=-2)
        mlflow.log_metric("warmup_lr", 1e-4, step=-1)
        with mlflow.start_run(run_name="child-a", nested=True) as child_a:
            mlflow.log_param("lr", 0.1)
            mlflow.log_metric("acc", 0.7)
        with mlflow.start_run(run_name="child-b", nested=True) as child_b:
            mlflow.log_param("lr", 0.001)
            mlflow.log_metric("acc", 0.9)

        # A long history, logged as MLflow's batch logging sends it (1,000 metrics per request).
        started = time.time()
        for start in range(0, HISTORY_POINTS, 1000):
            now = int(time.time() * 1000)
            client.log_batch(parent.info.run_id, metrics=[Metric("long", math.sin(i / 100), now, i) for i in range(start, start + 1000)])
        logging_seconds = time.time() - started
        started = time.time()
        history = client.get_metric_history(parent.info.run_id, "long")
        reading_seconds = time.time() - started
        print(f"\n100,000 points: logged in {logging_seconds:.2f} s, history read in {reading_seconds:.2f} s")
        assert len(history) == HISTORY_POINTS
        assert [metric.step for metric in history[:3]] == [0, 1, 2]
        assert history[-1].step == HISTORY_POINTS - 1
        assert history[12345].value == math.sin(12345 / 100)

    # Nested runs point at their parent; search with a filter and an order.
    children = mlflow.search_runs(
        experiment_ids=[experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
        order_by=["metrics.acc DESC"],
        output_format="list",
    )
    assert [run.info.run_name for run in children] == ["child-b", "child-a"]
    best = client.search_runs([experiment_id], "params.lr = '0.001'")
    assert [run.info.run_id for run in best] == [child_b.info.run_id]

    finished = client.get_run(parent.info.run_id)
    assert finished.info.status == "FINISHED"
    assert finished.data.params == {"lr": "0.01", "optimizer": "adam", "layers": "4"}
    assert finished.data.metrics["acc"] == 49 / 50
    assert finished.data.tags["team"] == "vision"

    # The registry: a model, two versions, an alias and a stage that archives the previous holder.
    client.create_registered_model("fluent-e2e-model")
    first = client.create_model_version("fluent-e2e-model", f"runs:/{child_a.info.run_id}/model", child_a.info.run_id)
    second = client.create_model_version("fluent-e2e-model", f"runs:/{child_b.info.run_id}/model", child_b.info.run_id)
    client.set_registered_model_alias("fluent-e2e-model", "champion", second.version)
    client.transition_model_version_stage("fluent-e2e-model", first.version, "Production")
    client.transition_model_version_stage("fluent-e2e-model", second.version, "Production", archive_existing_versions=True)
    assert client.get_model_version_by_alias("fluent-e2e-model", "champion").version == "2"
    assert client.get_model_version("fluent-e2e-model", "1").current_stage == "Archived"
    assert client.get_model_version("fluent-e2e-model", "2").current_stage == "Production"

    # The same run through aimdb's native API.
    run_id = int(parent.info.run_id)
    native_run = _native(url, f"/runs/{run_id}")
    assert native_run["name"] == "parent"
    assert native_run["status"] == "completed"
    assert native_run["tags"]["team"] == "vision"
    assert _native(url, f"/runs/{run_id}/hyperparameters") == {"lr": "0.01", "optimizer": "adam", "layers": "4"}
    loss = _native(url, f"/runs/{run_id}/metrics?name=loss")
    assert [point["step"] for point in loss] == list(range(50))
    assert loss[9]["value"] == 1.0 / 10
    assert [(point["step"], point["value"]) for point in _native(url, f"/runs/{run_id}/metrics?name=warmup_lr")] == [(-2, 1e-5), (-1, 1e-4)]
    [point] = _native(url, f"/runs/{run_id}/metrics?name=long&minStep=12345&maxStep=12345")
    assert point["value"] == math.sin(12345 / 100)
    summaries = {summary["name"]: summary for summary in _native(url, f"/metric-summaries?runIds={run_id}")}
    assert summaries["long"]["count"] == HISTORY_POINTS
    members = [run["id"] for run in _native(url, f"/experiments/{int(experiment_id)}/runs")]
    assert set(members) == {run_id, int(child_a.info.run_id), int(child_b.info.run_id)}
    model = _native(url, "/models/fluent-e2e-model")
    assert model["aliases"] == {"champion": 2}
    versions = _native(url, f"/models/{model['id']}/versions")
    assert [(version["version"], version["status"], version["trainingRunId"]) for version in versions] == [
        (1, "archived", int(child_a.info.run_id)),
        (2, "production", int(child_b.info.run_id)),
    ]


if __name__ == "__main__":
    check(sys.argv[1])
    print("fluent end-to-end check passed")
