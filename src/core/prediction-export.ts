/**
 * The text of a predictions export (CSV or NDJSON), written once for every surface: the store
 * pages through the predictions with it, the server streams it from `GET /api/v1/predictions/export`,
 * and the CLI writes it to stdout. Newest first within each version, versions in the order asked.
 */
import type { Page, Prediction } from './entities.js';
import type { ListPredictionsQuery, predictionExportQuerySchema } from './schemas.js';
import type { z } from 'zod';

/** CSV columns, in order; JSON documents are written as their JSON text. */
export const PREDICTION_EXPORT_COLUMNS = ['id', 'modelVersionId', 'timestamp', 'key', 'latencyMs', 'confidence', 'input', 'output', 'groundTruth', 'metadata'] as const;

/** Predictions read per page while exporting. */
const EXPORT_PAGE = 1_000;

export type PredictionExportFormat = 'csv' | 'ndjson';

/** The content type of an export's text. */
export function exportContentType(format: PredictionExportFormat): string {
  return format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8';
}

/** A CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const JSON_COLUMNS = new Set<string>(['input', 'output', 'groundTruth', 'metadata']);

/** One prediction as a CSV line (with its line break). */
export function csvLine(prediction: Prediction): string {
  return `${PREDICTION_EXPORT_COLUMNS.map((column) => {
    const value = prediction[column];
    if (column === 'timestamp') return csvField(prediction.timestamp.toISOString());
    return csvField(JSON_COLUMNS.has(column) ? (value === null ? null : JSON.stringify(value)) : value);
  }).join(',')}\n`;
}

/** Whatever lists predictions page by page: the SQL store or the HTTP client. */
export interface PredictionPages {
  getPredictions(query: ListPredictionsQuery): Promise<Page<Prediction>>;
}

/** The export's text, a page of predictions per chunk (the CSV header first). */
export async function* predictionExportText(source: PredictionPages, query: z.output<typeof predictionExportQuerySchema>): AsyncGenerator<string> {
  const format = query.format ?? 'ndjson';
  if (format === 'csv') yield `${PREDICTION_EXPORT_COLUMNS.join(',')}\n`;
  for (const modelVersionId of query.modelVersionIds ?? [undefined]) {
    let cursor: string | null = null;
    do {
      const page: Page<Prediction> = await source.getPredictions({
        limit: EXPORT_PAGE,
        ...(cursor === null ? {} : { cursor }),
        ...(modelVersionId === undefined ? {} : { modelVersionId }),
        ...(query.since === undefined ? {} : { since: query.since }),
        ...(query.until === undefined ? {} : { until: query.until }),
      });
      let text = '';
      for (const prediction of page.items) text += format === 'csv' ? csvLine(prediction) : `${JSON.stringify(prediction)}\n`;
      if (text !== '') yield text;
      cursor = page.nextCursor;
    } while (cursor !== null);
  }
}
