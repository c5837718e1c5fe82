/** The runs page's pure parts: query completion, the view in the URL, default columns, plot axes and brushing. */
import { describe, expect, it } from 'vitest';
import { groupSeries, type ChartSeries } from '../../src/ui/charts/series.js';
import { applySuggestion, completeQuery, quoteName } from '../../src/ui/lib/query-completion.js';
import { axisPosition, brushedRuns, buildAxis, colorAt, COLOR_STOPS } from '../../src/ui/lib/run-plots.js';
import { groupRuns } from '../../src/ui/lib/run-groups.js';
import { mostLoggedMetrics, readRunsView, runsViewHref, serverOrderBy, varyingParams } from '../../src/ui/lib/runs-view.js';
import { RUN_STATUS_LIST } from '../../src/ui/lib/statuses.js';

const vocabulary = { params: ['lr', 'batch size', 'optimizer'], metrics: ['val/acc', 'loss'], tags: ['team'] };
const texts = (text: string, cursor = text.length) => completeQuery(text, cursor, vocabulary).items.map((item) => item.text);

describe('query completion', () => {
  it('offers fields at the start and after and/or/not/(, names after a prefix, quoting names that need it', () => {
    expect(texts('')).toContain('params.');
    expect(texts('st').slice(0, 2)).toEqual(['status', 'started']);
    expect(texts('params.')).toEqual(['params.lr', 'params.`batch size`', 'params.optimizer']);
    expect(texts('metrics.v')).toEqual(['metrics.`val/acc`']);
    expect(texts("status = 'failed' and (tags.")).toEqual(['tags.team']);
    expect(texts('not l')).toEqual(expect.arrayContaining(['params.lr', 'metrics.loss']));
    expect(texts('metrics.loss.c')).toEqual(['metrics.loss.count']);
  });

  it('offers operators after a field, and/or after a value, nothing inside a value', () => {
    expect(texts('params.lr ')).toContain('>=');
    expect(texts('params.lr I')).toEqual(['ILIKE', 'IN', 'IS NULL', 'IS NOT NULL', 'LIKE', 'NOT IN']);
    expect(texts('text ')).toEqual(['~']);
    expect(texts('params.lr < 0.1 ')).toEqual(['and', 'or']);
    expect(texts("name = 'a")).toEqual([]);
    expect(texts('params.lr < ')).toEqual([]);
    expect(texts("params.optimizer IN ('adam', ")).toEqual([]);
    expect(texts('params.lr IS NOT NULL ')).toEqual(['and', 'or']);
  });

  it('replaces the word at the cursor and places the cursor after the inserted text', () => {
    const text = 'params.l and status = 1';
    const completion = completeQuery(text, 8, vocabulary);
    expect(applySuggestion(text, 8, completion, { text: 'params.lr', hint: '' })).toEqual({ text: 'params.lr and status = 1', cursor: 10 });
    const prefix = completeQuery('par', 3, vocabulary);
    expect(applySuggestion('par', 3, prefix, { text: 'params.', hint: '' })).toEqual({ text: 'params.', cursor: 7 });
    expect(quoteName('a`b')).toBe('`a``b`');
  });
});

describe('runs view in the URL', () => {
  it('round-trips every part, keeping the scope and leaving defaults out', () => {
    const current = new URLSearchParams('experiment=3&q=old');
    const view = {
      q: 'params.lr < 1e-3',
      statuses: ['failed' as const],
      sort: { key: 'metric:val/acc' as const, direction: 'asc' as const },
      params: ['lr', 'a,b'],
      metrics: [],
      page: 2,
      pageSize: 100,
      selected: [4, 9],
      chart: 'val/acc',
      group: 'tag:team',
    };
    const href = runsViewHref('/runs', current, view);
    const parsed = new URL(href, 'http://x');
    expect(parsed.searchParams.get('experiment')).toBe('3');
    expect(readRunsView(parsed.searchParams, RUN_STATUS_LIST)).toEqual(view);
    expect(runsViewHref('/runs', new URLSearchParams(), readRunsView(new URLSearchParams(), RUN_STATUS_LIST))).toBe('/runs');
    // Nonsense in a hand-edited URL falls back to defaults.
    const odd = readRunsView(new URLSearchParams('sort=drop:sideways&page=-3&size=7&sel=1,x,2'), RUN_STATUS_LIST);
    expect([odd.sort, odd.page, odd.pageSize, odd.selected]).toEqual([{ key: 'id', direction: 'desc' }, 0, 50, [1, 2]]);
    expect(readRunsView(new URLSearchParams('group=lr'), RUN_STATUS_LIST).group).toBe('');
  });

  it("spells the table's sort as the server's orderBy, quoting names the query language would not read bare", () => {
    expect(serverOrderBy({ key: 'id', direction: 'desc' })).toBe('id DESC');
    expect(serverOrderBy({ key: 'startedAt', direction: 'asc' })).toBe('started ASC');
    expect(serverOrderBy({ key: 'durationMs', direction: 'desc' })).toBe('duration DESC');
    expect(serverOrderBy({ key: 'param:lr', direction: 'asc' })).toBe('params.lr ASC');
    expect(serverOrderBy({ key: 'metric:val/acc', direction: 'desc' })).toBe('metrics.`val/acc` DESC');
  });

  it('defaults to the hyperparameters that vary and the metrics most runs logged', () => {
    const params = new Map([
      [1, new Map<string, unknown>([['lr', 0.1], ['seed', 1], ['opt', 'adam']])],
      [2, new Map<string, unknown>([['lr', 0.01], ['seed', 1], ['opt', 'adam']])],
      [3, new Map<string, unknown>([['lr', 0.001], ['seed', 1]])],
    ]) as never;
    expect(varyingParams(params)).toEqual(['lr', 'opt']);
    const latest = new Map([
      [1, new Map([['loss', { step: 100 }], ['acc', { step: 10 }], ['rare', { step: 5000 }]])],
      [2, new Map([['loss', { step: 100 }], ['acc', { step: 10 }]])],
    ]);
    expect(mostLoggedMetrics(latest)).toEqual(['loss', 'acc', 'rare']);
  });
});

describe('plot axes', () => {
  const data = {
    hyperparameters: new Map([
      [1, new Map<string, never>([['lr', 1e-5 as never], ['opt', 'sgd' as never]])],
      [2, new Map<string, never>([['lr', 1e-3 as never], ['opt', 'adam' as never]])],
      [3, new Map<string, never>([['lr', 1e-1 as never]])],
    ]),
    latest: new Map([
      [1, new Map([['acc', 0.5]])],
      [2, new Map([['acc', 0.9]])],
      [3, new Map([['acc', Number.NaN]])],
    ]),
  };
  it('spans the values, logarithmic over many decades, categories in order', () => {
    const lr = buildAxis([1, 2, 3], { kind: 'param', name: 'lr' }, data);
    expect([lr.log, lr.min, lr.max]).toEqual([true, 1e-5, 1e-1]);
    expect(axisPosition(lr, 1e-3)).toBeCloseTo(0.5);
    const opt = buildAxis([1, 2, 3], { kind: 'param', name: 'opt' }, data);
    expect(opt.categories).toEqual(['adam', 'sgd']);
    expect(axisPosition(opt, 'sgd')).toBe(1);
    expect(axisPosition(opt, undefined)).toBeUndefined();
  });

  it('keeps only runs inside every brush; a run without the value (NaN metric) is out', () => {
    const axes = [buildAxis([1, 2, 3], { kind: 'param', name: 'lr' }, data), buildAxis([1, 2, 3], { kind: 'metric', name: 'acc' }, data)];
    expect([...brushedRuns([1, 2, 3], axes, new Map([['param:lr', [0.4, 1] as const]]), data)]).toEqual([2, 3]);
    expect([...brushedRuns([1, 2, 3], axes, new Map([['param:lr', [0.4, 1] as const], ['metric:acc', [0, 1] as const]]), data)]).toEqual([2]);
  });

  it('colours run from the first stop to the last', () => {
    expect(colorAt(0)).toBe(COLOR_STOPS[0]);
    expect(colorAt(1)).toBe(COLOR_STOPS[4]);
    expect(colorAt(Number.NaN)).toBe(COLOR_STOPS[0]);
  });
});

describe('grouped series', () => {
  const series = (x: number[], last: (number | null)[]): ChartSeries => ({ x, last, min: last, max: last, nonFinite: 0, pointCount: x.length });
  it('is the mean of the runs with a min–max band, each run held between its points and never extended past its end', () => {
    const grouped = groupSeries([series([0, 2, 4], [1, 3, 5]), series([0, 1, 2], [3, 3, null])]);
    expect(grouped.x).toEqual([0, 1, 2, 4]);
    // At 1 the first run still holds 1; at 2 the second run's gap holds its 3; at 4 only the first run reaches.
    expect(grouped.last).toEqual([2, 2, 3, 5]);
    expect(grouped.min).toEqual([1, 1, 3, 5]);
    expect(grouped.max).toEqual([3, 3, 3, 5]);
    expect(grouped.pointCount).toBe(6);
    expect(groupSeries([]).x).toEqual([]);
  });
});

describe('grouping runs for charts', () => {
  const run = (id: number, tags: Record<string, string> = {}) => ({ id, tags }) as never;
  const params: Record<number, Record<string, unknown>> = { 1: { lr: 0.1 }, 2: { lr: 0.001 }, 3: { lr: 0.01 }, 4: { lr: 0.001 }, 5: {} };
  const paramOf = (r: { id: number }, name: string) => params[r.id]?.[name] as never;

  it('groups by a hyperparameter in numeric order, runs without it in their own group, each with a colour', () => {
    const groups = groupRuns('param:lr', [run(1), run(2), run(3), run(4), run(5)], paramOf)!;
    expect(groups.map((group) => [group.label, group.runIds])).toEqual([
      ['lr=0.001 (2 runs)', [2, 4]],
      ['lr=0.01 (1 run)', [3]],
      ['lr=0.1 (1 run)', [1]],
      ['lr=(none) (1 run)', [5]],
    ]);
    expect(new Set(groups.map((group) => group.color)).size).toBe(4);
  });

  it('groups by a tag, and not at all without a param: or tag: key', () => {
    const runs = [run(1, { team: 'vision' }), run(2, { team: 'speech' }), run(3, { team: 'vision' })];
    expect(groupRuns('tag:team', runs, paramOf)!.map((group) => [group.label, group.runIds])).toEqual([
      ['tags.team=speech (1 run)', [2]],
      ['tags.team=vision (2 runs)', [1, 3]],
    ]);
    expect(groupRuns('', runs, paramOf)).toBeUndefined();
    expect(groupRuns('lr', runs, paramOf)).toBeUndefined();
  });
});
