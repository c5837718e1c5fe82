/**
 * MLflow's artifact proxy on aimdb's artifact store, as MLflow's HttpArtifactRepository calls it:
 * runs report `mlflow-artifacts:/<experiment>/<run>/artifacts`, files go up by PUT, come back by GET
 * (as attachments), list with `?path=` relative to the folder, and delete by folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../support/backends.js';
import { call } from './support/http.js';
import { startTestServer, type TestServer } from './support/test-server.js';

describe('MLflow artifact proxy', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(testBackends()[0]!);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('stores what mlflow.log_artifact sends under the run its artifact URI names', async () => {
    const created = await call(server.url, 'POST', '/api/2.0/mlflow/runs/create', { body: { experiment_id: '0' } });
    const uri = created.body.run.info.artifact_uri as string;
    expect(uri).toMatch(/^mlflow-artifacts:\/0\/\d+\/artifacts$/);
    const root = uri.slice('mlflow-artifacts:/'.length);
    const base = `/api/2.0/mlflow-artifacts/artifacts/${root}`;
    const put = await call(server.url, 'PUT', `${base}/model/MLmodel`, { raw: 'flavors: {}\n', headers: { 'content-type': 'text/plain' } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({});
    await call(server.url, 'PUT', `${base}/notes.txt`, { raw: 'hi', headers: { 'content-type': 'text/plain' } });

    const got = await call(server.url, 'GET', `${base}/model/MLmodel`);
    expect(got.status).toBe(200);
    expect(got.text).toBe('flavors: {}\n');
    expect(got.headers.get('content-disposition')).toBe('attachment; filename="MLmodel"');

    const listed = await call(server.url, 'GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(root)}`);
    expect(listed.body).toEqual({ files: [{ path: 'model', is_dir: true }, { path: 'notes.txt', is_dir: false, file_size: 2 }] });
    const inner = await call(server.url, 'GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${root}/model`)}`);
    expect(inner.body).toEqual({ files: [{ path: 'MLmodel', is_dir: false, file_size: 12 }] });
    const runId = created.body.run.info.run_id as string;
    const tracking = await call(server.url, 'GET', `/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=model`);
    expect(tracking.body).toEqual({ root_uri: uri, files: [{ path: 'model/MLmodel', is_dir: false, file_size: 12 }] });
    // The same files through aimdb's own API.
    expect((await server.db.listArtifacts(Number(runId), { recursive: true })).files.map((file) => file.path)).toEqual(['model/MLmodel', 'notes.txt']);

    const unsafe = await call(server.url, 'GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${root}/../x`)}`);
    expect(unsafe.status).toBe(400);
    expect(unsafe.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const missing = await call(server.url, 'GET', `${base}/nothing.bin`);
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');

    expect((await call(server.url, 'DELETE', `${base}/model`)).status).toBe(200);
    expect((await call(server.url, 'GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(root)}`)).body).toEqual({
      files: [{ path: 'notes.txt', is_dir: false, file_size: 2 }],
    });
  });

  it("answers proxied multipart uploads as MLflow's own server does without them, so its client falls back to one PUT", async () => {
    for (const step of ['create', 'complete', 'abort']) {
      for (const path of [`/api/2.0/mlflow-artifacts/mpu/${step}/0/1/artifacts/model`, `/ajax-api/2.0/mlflow-artifacts/mpu/${step}`]) {
        const answer = await call(server.url, 'POST', path, { body: { path: '/tmp/big.bin', num_parts: 3 } });
        expect(answer.status, path).toBe(501);
        // MLflow's client compares the message's start with _UnsupportedMultipartUploadException.MESSAGE.
        expect(answer.body).toEqual({ error_code: 'NOT_IMPLEMENTED', message: 'Multipart upload is not supported for the current artifact repository' });
      }
    }
  });
});
