/** `aimdb search "<words>"`: full-text search across runs, models, experiments and datasets. */
import type { Command } from 'commander';
import type { TextSearchEntity } from '../../core/entities.js';
import type { CliContext } from '../context.js';
import { choiceList, databaseCommand, parsePositiveInt } from '../database-options.js';

const KINDS: readonly TextSearchEntity[] = ['run', 'model', 'experiment', 'dataset'];

const parseKinds = choiceList<TextSearchEntity>('--only', KINDS);

export function register(program: Command, context: CliContext): void {
  databaseCommand(program, 'search')
    .description('runs, models, experiments and datasets whose names, descriptions, notes or tag values hold every word, best first')
    .argument('<words...>', 'words to find (whole words, any case)')
    .option('-n, --limit <count>', 'at most this many matches (default 20)', parsePositiveInt, 20)
    .option('--only <kinds>', `only these kinds (${KINDS.join(', ')}; comma-separated or repeated)`, parseKinds)
    .action(async (words: string[], options: { limit: number; only?: TextSearchEntity[] }, command: Command) => {
      const output = context.output(command);
      await context.withDatabase(command, async (db) => {
        const hits = await db.searchText(words.join(' '), { limit: options.limit, ...(options.only === undefined ? {} : { entities: options.only }) });
        if (output.json) {
          output.printJson(hits);
          return;
        }
        if (hits.length === 0) {
          output.note('nothing matches');
          return;
        }
        output.table(
          ['KIND', 'ID', 'NAME', 'SCORE', 'MATCH'],
          hits.map((hit) => [hit.entity, hit.id, hit.name, Number(hit.score.toPrecision(3)), hit.snippet]),
          { alignRight: [1, 3] },
        );
      });
    });
}
