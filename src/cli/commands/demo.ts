/** `aimdb demo`: the seed's demo scenario, printed as readable sections. */
import type { Command } from 'commander';
import { describeConnection } from '../../config/connection.js';
import type { CliContext } from '../context.js';
import { databaseCommand } from '../database-options.js';
import { DEMO_TICKS, runDemoScenario, type DemoReporter } from '../demo-scenario.js';
import type { Output } from '../output.js';
import { startProgress } from '../progress.js';

/** Prints the demo's sections; buffered while a progress bar owns the terminal. */
function createReporter(output: Output, buffered: boolean, tick: () => void): DemoReporter & { flush(): void } {
  const pending: Array<() => void> = [];
  const emit = (print: () => void) => (buffered ? pending.push(print) : print());
  return {
    section: (title) =>
      emit(() => {
        output.line();
        output.heading(title);
      }),
    entity: (action, kind, text) => emit(() => output.line(`  ${action === 'created' ? 'created' : output.dim('reused ')} ${kind.padEnd(10)} ${text}`)),
    line: (text) => emit(() => output.line(`  ${text}`)),
    table: (headers, rows) => emit(() => output.table(headers, rows, { indent: '  ', alignRight: headers.map((_, index) => index).filter((index) => rows.every((row) => typeof row[index] === 'number' || row[index] === null)) })),
    tick,
    flush: () => pending.splice(0).forEach((print) => print()),
  };
}

export function register(program: Command, context: CliContext): void {
  databaseCommand(program, 'demo')
    .description("run the seed's demo: 3 models, versions, datasets, 2 training runs with metrics, predictions, an experiment")
    .addHelpText(
      'after',
      `\nExamples:\n  aimdb demo                                   # SQLite file ./aimdb.sqlite\n` +
        `  aimdb demo --backend postgresql --user postgres --database aimdb\n` +
        `  AIMDB_PASSWORD=secret aimdb demo --backend mysql --user root --database aimdb\n` +
        `  aimdb demo --url mysql://root@127.0.0.1:3306/aimdb --echo\n  aimdb demo --config aimdb.config.yaml\n\n` +
        `Running it again on the same database reuses the models, datasets and experiment (by name)\nand adds new versions, runs, metrics and predictions.\n`,
    )
    .action(async (_options: object, command: Command) => {
      const output = context.output(command);
      await context.withDatabase(command, async (db, resolved) => {
        const quietReporter = output.quiet || output.json;
        const reporter = createReporter(output, output.showProgress, () => progress.tick());
        const silent: DemoReporter = { section: () => undefined, entity: () => undefined, line: () => undefined, table: () => undefined, tick: () => progress.tick() };
        if (!quietReporter) {
          output.heading('AI Model Database demo');
          output.line(`  database: ${describeConnection(resolved.spec)}`);
          output.line(`  chosen by: ${resolved.chosenBy}`);
        }
        const progress = startProgress(output, 'demo', DEMO_TICKS);
        let result;
        try {
          result = await runDemoScenario(db, quietReporter ? silent : reporter);
        } finally {
          progress.stop();
          reporter.flush();
        }
        if (output.json) {
          output.printJson({
            database: describeConnection(resolved.spec),
            reused: result.reused,
            models: result.models.map((model) => ({ id: model.id, name: model.name })),
            versions: result.versions.map((version) => ({ id: version.id, modelId: version.modelId, version: version.version })),
            datasets: result.datasets.map((dataset) => ({ id: dataset.id, name: dataset.name, version: dataset.version })),
            runs: result.runs.map((run) => ({ id: run.id, name: run.name, status: run.status })),
            experiment: { id: result.experiment.id, name: result.experiment.name },
            predictions: result.predictions.map((prediction) => prediction.id),
            statistics: result.statistics,
          });
          return;
        }
        if (quietReporter) return;
        output.line();
        output.line(
          result.reused
            ? 'Re-run: existing models, datasets and the experiment were reused by name; new versions, runs, metrics and predictions were added.'
            : 'Done: everything above is now stored in the database.',
        );
        output.line(`Inspect it (with the same database options): aimdb runs show ${result.runs[0]!.id}   ·   aimdb metrics ${result.runs[0]!.id} accuracy   ·   aimdb experiments show ${result.experiment.name}`);
      }, { create: true });
    });
}
