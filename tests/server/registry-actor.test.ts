/**
 * Who changed the registry (docs/decisions/1202-registry-transitions-and-events.md): through a
 * server with tokens, the event log names the token, whatever the client claims; MLflow's stage
 * transitions keep MLflow's rule (several holders unless archive_existing_versions).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAiDatabase } from '../../src/client/http-client.js';
import { testBackends } from '../support/backends.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const WRITE_TOKEN = 'write-token-0123456789abcdef';

describe.each(testBackends().filter((backend) => backend.name === 'sqlite-memory'))('registry actors on $name', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { tokens: [{ token: WRITE_TOKEN, scope: 'write', name: 'release-bot' }] });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("records the token's name for stage changes and alias moves, through aimdb's API and MLflow's", async () => {
    const db = createHttpAiDatabase({ url: server.url, token: WRITE_TOKEN });
    const model = await db.createModel({ name: 'classifier' });
    const v1 = await db.createModelVersion({ modelId: model.id });
    await db.createModelVersion({ modelId: model.id });
    await db.updateModelVersion(v1.id, { status: 'production', actor: 'someone-else' });
    await db.setModelAlias(model.id, 'champion', 1, { actor: 'someone-else' });
    const mlflow = (endpoint: string, body: unknown) =>
      fetch(`${server.url}/api/2.0/mlflow/${endpoint}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${WRITE_TOKEN}` },
        body: JSON.stringify(body),
      });
    // MLflow: a second production version is allowed without archive_existing_versions.
    const transition = await mlflow('model-versions/transition-stage', { name: 'classifier', version: '2', stage: 'Production' });
    expect(transition.status).toBe(200);
    expect((await db.getModelVersions(model.id, { status: 'production' })).map((version) => version.version)).toEqual([1, 2]);
    expect((await mlflow('registered-models/alias', { name: 'classifier', alias: 'champion', version: '2' })).status).toBe(200);
    const events = (await db.getRegistryEvents(model.id)).items;
    expect(events).toHaveLength(4);
    expect(events.map((event) => event.actor)).toEqual(['release-bot', 'release-bot', 'release-bot', 'release-bot']);
    await db.close();
  });
});
