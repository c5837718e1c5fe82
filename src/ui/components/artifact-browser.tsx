/**
 * The artifacts of a run or model version, folder by folder: sizes, SHA-256, download, and a
 * preview of text, JSON, CSV and images. Bytes are fetched with the dashboard's token (a plain link
 * would carry none) and handed to the browser as object URLs.
 */
import { useEffect, useState } from 'react';
import { API } from '../../core/api/routes.js';
import type { ArtifactInfo, ArtifactListing, ArtifactOwner } from '../../core/artifacts.js';
import { ApiError, apiRequest, callRoute, routeUrl } from '../api/http.js';
import { getToken } from '../api/token-store.js';
import { useApi } from '../hooks/use-api.js';
import { formatBytes, formatDateTime } from '../lib/format.js';
import { EmptyState } from './empty-state.js';
import { ErrorBox } from './error-box.js';
import { Loading } from './loading.js';

/** Bytes of a text file shown in a preview (its first part, by a Range read). */
const TEXT_PREVIEW_BYTES = 256 * 1024;
/** Largest image previewed. */
const IMAGE_PREVIEW_BYTES = 10 * 1024 * 1024;

/** The routes the browser calls, per owner kind. */
const ROUTES = {
  run: { list: API.listArtifacts, open: API.openArtifact },
  modelVersion: { list: API.listModelVersionArtifacts, open: API.openModelVersionArtifact },
} as const;

type PreviewKind = 'text' | 'json' | 'csv' | 'image';

export function previewKind(info: ArtifactInfo): PreviewKind | undefined {
  const type = info.contentType.split(';')[0]!.trim().toLowerCase();
  if (type.startsWith('image/') && type !== 'image/svg+xml' && info.size <= IMAGE_PREVIEW_BYTES) return 'image';
  if (type === 'application/json') return 'json';
  if (type === 'text/csv' || type === 'text/tab-separated-values') return 'csv';
  if (type.startsWith('text/') || type === 'application/x-ndjson' || type === 'application/yaml') return 'text';
  return undefined;
}

async function fetchBytes(owner: ArtifactOwner, path: string, range?: number): Promise<Blob> {
  const request = apiRequest(routeUrl(ROUTES[owner.kind].open, { params: { id: owner.id, path } }), getToken());
  if (range !== undefined) (request.init.headers as Record<string, string>).range = `bytes=0-${range - 1}`;
  const response = await fetch(request.url, request.init);
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as { error?: { code?: ApiError['code']; message?: string } } | undefined;
    throw new ApiError(response.status, body?.error?.code ?? 'unexpected_answer', body?.error?.message ?? `The server answered ${response.status}`);
  }
  return response.blob();
}

function Preview({ owner, info }: { owner: ArtifactOwner; info: ArtifactInfo }) {
  const kind = previewKind(info);
  const [state, setState] = useState<{ text?: string; url?: string; error?: Error }>({});
  useEffect(() => {
    let cancelled = false;
    setState({});
    if (kind === undefined) return;
    void (async () => {
      try {
        if (kind === 'image') {
          // A data: URL, not a blob: one: the dashboard's Content-Security-Policy allows images
          // from 'self' and data: only.
          const blob = await fetchBytes(owner, info.path);
          const dataUrl = await new Promise<string>((resolve, reject) => {
            const reader = new FileReader();
            reader.onload = () => resolve(String(reader.result));
            reader.onerror = () => reject(reader.error ?? new Error('the image could not be read'));
            reader.readAsDataURL(blob);
          });
          if (!cancelled) setState({ url: dataUrl });
          return;
        }
        const text = await (await fetchBytes(owner, info.path, Math.min(info.size, TEXT_PREVIEW_BYTES) || undefined)).text();
        let shown = text;
        if (kind === 'json' && info.size <= TEXT_PREVIEW_BYTES) {
          try {
            shown = JSON.stringify(JSON.parse(text), null, 2);
          } catch {
            shown = text;
          }
        }
        if (!cancelled) setState({ text: shown });
      } catch (error) {
        if (!cancelled) setState({ error: error as Error });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [owner.kind, owner.id, info.path, info.sha256, kind, info.size]);
  if (kind === undefined) return <p className="muted small">No preview for {info.contentType}.</p>;
  if (state.error !== undefined) return <ErrorBox error={state.error} />;
  if (kind === 'image') return state.url === undefined ? <Loading what="image" /> : <img className="artifact-image" src={state.url} alt={info.path} />;
  if (state.text === undefined) return <Loading what="preview" />;
  const cut = info.size > TEXT_PREVIEW_BYTES ? <p className="muted small">First {formatBytes(TEXT_PREVIEW_BYTES)} of {formatBytes(info.size)}.</p> : null;
  if (kind === 'csv') {
    const separator = info.contentType.includes('tab-separated') ? '\t' : ',';
    const rows = state.text.split('\n').filter((line) => line !== '').slice(0, 200).map((line) => line.split(separator));
    return (
      <div className="artifact-preview">
        {cut}
        <table className="table small" data-testid="artifact-csv">
          <tbody>
            {rows.map((cells, index) => (
              <tr key={index}>{cells.map((cell, column) => (index === 0 ? <th key={column}>{cell}</th> : <td key={column}>{cell}</td>))}</tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }
  return (
    <div className="artifact-preview">
      {cut}
      <pre className="json-block" data-testid="artifact-text">{state.text}</pre>
    </div>
  );
}

/** The artifacts of one run or model version. */
export function ArtifactBrowser({ owner }: { owner: ArtifactOwner }) {
  const [folder, setFolder] = useState('');
  const [selected, setSelected] = useState<ArtifactInfo | undefined>(undefined);
  const [downloadError, setDownloadError] = useState<Error | undefined>(undefined);
  const listing = useApi(
    async (signal) =>
      (await callRoute(ROUTES[owner.kind].list, { params: { id: owner.id }, query: { prefix: folder === '' ? undefined : folder } }, signal)) as ArtifactListing,
    [owner.kind, owner.id, folder],
  );

  async function download(info: ArtifactInfo) {
    setDownloadError(undefined);
    try {
      const url = URL.createObjectURL(await fetchBytes(owner, info.path));
      const link = document.createElement('a');
      link.href = url;
      link.download = info.path.slice(info.path.lastIndexOf('/') + 1);
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      setDownloadError(error as Error);
    }
  }

  if (listing.error !== undefined) return <ErrorBox error={listing.error} onRetry={listing.reload} />;
  if (listing.data === undefined) return <Loading what="artifacts" />;
  const { files, folders } = listing.data;
  if (folder === '' && files.length === 0 && folders.length === 0) {
    return (
      <EmptyState title="No artifacts yet.">
        <p>
          Log files with <code>logArtifact(id, path, file)</code>, <code>aimdb artifacts put</code> or MLflow&apos;s <code>log_artifact</code>.
        </p>
      </EmptyState>
    );
  }
  const parent = folder === '' ? undefined : folder.slice(0, folder.slice(0, -1).lastIndexOf('/') + 1);
  return (
    <div className="artifact-browser" data-testid="artifact-browser">
      <p className="small">
        <button type="button" className="link-button" onClick={() => setFolder('')}>
          artifacts
        </button>
        {folder !== '' && ` / ${folder}`}
      </p>
      {downloadError !== undefined && <ErrorBox error={downloadError} />}
      <table className="table">
        <thead>
          <tr>
            <th>Path</th>
            <th className="num">Size</th>
            <th>SHA-256</th>
            <th>Type</th>
            <th>Logged</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {parent !== undefined && (
            <tr>
              <td colSpan={6}>
                <button type="button" className="link-button" onClick={() => setFolder(parent)}>
                  ..
                </button>
              </td>
            </tr>
          )}
          {folders.map((path) => (
            <tr key={path}>
              <td colSpan={6}>
                <button type="button" className="link-button" onClick={() => setFolder(path)}>
                  {path.slice(folder.length)}
                </button>
              </td>
            </tr>
          ))}
          {files.map((info) => (
            <tr key={info.path} className={selected?.path === info.path ? 'selected' : undefined}>
              <td>
                <button type="button" className="link-button" onClick={() => setSelected(info)}>
                  {info.path.slice(folder.length)}
                </button>
              </td>
              <td className="num">{formatBytes(info.size)}</td>
              <td>
                <code title={info.sha256}>{info.sha256.slice(0, 12)}…</code>
              </td>
              <td className="small">{info.contentType}</td>
              <td className="small">{formatDateTime(new Date(info.createdAt))}</td>
              <td>
                <button type="button" onClick={() => void download(info)}>
                  Download
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {selected !== undefined && (
        <div className="panel">
          <h3>{selected.path}</h3>
          <p className="muted small">
            {formatBytes(selected.size)} · sha256 <code>{selected.sha256}</code>
          </p>
          <Preview owner={owner} info={selected} />
        </div>
      )}
    </div>
  );
}
