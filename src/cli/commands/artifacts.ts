/** `aimdb artifacts put|get|ls|rm|gc`: files of runs and model versions, checksummed. */
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { ArtifactInfo } from '../../core/artifacts.js';
import type { AiDatabase } from '../../store/index.js';
import { collectArtifactGarbage } from '../../database/open.js';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { databaseCommand, parsePositiveInt } from '../database-options.js';
import { EXIT_CODES } from '../exit-codes.js';
import { findModelVersion } from '../lookup.js';
import { startProgress, type Progress } from '../progress.js';

interface OwnerFlags {
  run?: number;
  modelVersion?: string;
}

/** The artifact calls of the run or model version the flags name. */
interface OwnerCalls {
  label: string;
  log: (artifactPath: string, source: Readable | string, options: { contentType?: string; sha256?: string }) => Promise<ArtifactInfo>;
  list: (prefix: string | undefined, recursive: boolean) => ReturnType<AiDatabase['listArtifacts']>;
  info: (artifactPath: string) => Promise<ArtifactInfo>;
  open: (artifactPath: string) => ReturnType<AiDatabase['openArtifact']>;
  remove: (artifactPath: string) => Promise<void>;
}

async function ownerOf(db: AiDatabase, flags: OwnerFlags): Promise<OwnerCalls> {
  if ((flags.run === undefined) === (flags.modelVersion === undefined)) {
    throw new CliError('name exactly one owner: --run ID or --model-version ID|MODEL@NUMBER', { exitCode: EXIT_CODES.usage });
  }
  if (flags.run !== undefined) {
    const id = flags.run;
    return {
      label: `run #${id}`,
      log: (p, source, options) => db.logArtifact(id, p, source, options),
      list: (prefix, recursive) => db.listArtifacts(id, { ...(prefix === undefined ? {} : { prefix }), recursive }),
      info: (p) => db.getArtifactInfo(id, p),
      open: (p) => db.openArtifact(id, p),
      remove: (p) => db.deleteArtifact(id, p),
    };
  }
  const version = await findModelVersion(db, flags.modelVersion!);
  const id = version.id;
  return {
    label: `model version #${id}`,
    log: (p, source, options) => db.logModelVersionArtifact(id, p, source, options),
    list: (prefix, recursive) => db.listModelVersionArtifacts(id, { ...(prefix === undefined ? {} : { prefix }), recursive }),
    info: (p) => db.getModelVersionArtifactInfo(id, p),
    open: (p) => db.openModelVersionArtifact(id, p),
    remove: (p) => db.deleteModelVersionArtifact(id, p),
  };
}

/** Counts bytes into a progress bar as they pass. */
function counting(progress: Progress): Transform {
  return new Transform({
    highWaterMark: 1024 * 1024,
    transform(chunk: Buffer, _encoding, callback) {
      progress.tick(chunk.length);
      callback(null, chunk);
    },
  });
}

function withOwnerOptions(command: Command): Command {
  return command
    .option('--run <id>', 'the training run', parsePositiveInt)
    .option('--model-version <ref>', 'the model version: its id, or MODEL@NUMBER');
}

/** `1h`, `30m`, `45s`, `0` or milliseconds. */
function parseDuration(value: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  if (match === null) throw new CliError(`--grace: expected a duration such as 1h, 30m, 45s or 0, got '${value}'`, { exitCode: EXIT_CODES.usage });
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(match[2] ?? 'ms') as 'ms'];
  return Number(match[1]) * unit;
}

const formatBytes = (bytes: number) =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KiB` : bytes < 1024 ** 3 ? `${(bytes / 1024 ** 2).toFixed(1)} MiB` : `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

export function register(program: Command, context: CliContext): void {
  const artifacts = program.command('artifacts').description('files of runs and model versions, stored once per SHA-256 and verified on read');

  withOwnerOptions(databaseCommand(artifacts, 'put'))
    .description('upload a file (replaces the artifact path whole)')
    .argument('<file>', "the file to upload ('-' for stdin)")
    .argument('[path]', 'artifact path, e.g. model/weights.pt (default: the file name)')
    .option('--content-type <type>', 'stored content type (default: guessed from the path)')
    .option('--sha256 <hex>', 'refuse the upload unless the bytes have this SHA-256')
    .addHelpText('after', '\nExamples:\n  aimdb artifacts put --run 12 ./weights.pt model/weights.pt\n  aimdb artifacts put --model-version resnet@3 ./confusion.png\n')
    .action(async (file: string, artifactPath: string | undefined, flags: OwnerFlags & { contentType?: string; sha256?: string }, command: Command) => {
      const output = context.output(command);
      const target = artifactPath ?? (file === '-' ? undefined : path.basename(file));
      if (target === undefined) throw new CliError('give the artifact path when reading stdin', { exitCode: EXIT_CODES.usage });
      await context.withDatabase(
        command,
        async (db) => {
          const owner = await ownerOf(db, flags);
          const options = { ...(flags.contentType === undefined ? {} : { contentType: flags.contentType }), ...(flags.sha256 === undefined ? {} : { sha256: flags.sha256 }) };
          let info: ArtifactInfo;
          if (file === '-') {
            info = await owner.log(target, process.stdin, options);
          } else {
            const size = await stat(file).then((s) => s.size, () => undefined);
            if (size === undefined) throw new CliError(`cannot read ${file}`, { exitCode: EXIT_CODES.usage });
            const progress = startProgress(output, `upload ${target}`, size);
            try {
              const { createReadStream } = await import('node:fs');
              info = await owner.log(target, createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(counting(progress)), options);
            } finally {
              progress.stop();
            }
          }
          if (output.json) return output.printJson(info);
          output.line(`${owner.label}: ${info.path}  ${formatBytes(info.size)}  sha256 ${info.sha256}`);
        },
        { create: true },
      );
    });

  withOwnerOptions(databaseCommand(artifacts, 'get'))
    .description('download an artifact, verified against its SHA-256')
    .argument('<path>', 'artifact path')
    .argument('[dest]', "where to write it: a file or folder ('-' for stdout; default: its file name here)")
    .action(async (artifactPath: string, dest: string | undefined, flags: OwnerFlags, command: Command) => {
      const output = context.output(command);
      await context.withDatabase(command, async (db) => {
        const owner = await ownerOf(db, flags);
        const opened = await owner.open(artifactPath);
        if (dest === '-') {
          await pipeline(opened.stream, process.stdout);
          return;
        }
        let file = dest ?? path.basename(artifactPath);
        if (dest !== undefined && (await stat(dest).then((s) => s.isDirectory(), () => false))) file = path.join(dest, path.basename(artifactPath));
        // Written beside the target and renamed when verified: a failed download never looks complete.
        const partial = `${file}.aimdb-partial`;
        const progress = startProgress(output, `download ${artifactPath}`, opened.info.size);
        try {
          await pipeline(opened.stream, counting(progress), createWriteStream(partial, { highWaterMark: 1024 * 1024 }));
          await rename(partial, file);
        } catch (error) {
          await rm(partial, { force: true });
          throw error;
        } finally {
          progress.stop();
        }
        if (output.json) return output.printJson({ ...opened.info, file });
        output.line(`${file}  ${formatBytes(opened.info.size)}  sha256 ${opened.info.sha256} (verified)`);
      });
    });

  withOwnerOptions(databaseCommand(artifacts, 'ls'))
    .description('list artifacts like a folder')
    .argument('[prefix]', 'a folder (model/) or path prefix')
    .option('-R, --recursive', 'every file below the folder')
    .action(async (prefix: string | undefined, flags: OwnerFlags & { recursive?: boolean }, command: Command) => {
      const output = context.output(command);
      await context.withDatabase(command, async (db) => {
        const owner = await ownerOf(db, flags);
        const listing = await owner.list(prefix, flags.recursive === true);
        if (output.json) return output.printJson(listing);
        if (listing.files.length === 0 && listing.folders.length === 0) return output.note(`${owner.label} has no artifacts${prefix === undefined ? '' : ` under ${prefix}`}`);
        output.table(
          ['PATH', 'SIZE', 'SHA256', 'TYPE', 'CREATED'],
          [
            ...listing.folders.map((folder) => [folder, '', '', 'folder', '']),
            ...listing.files.map((file) => [file.path, formatBytes(file.size), file.sha256.slice(0, 16), file.contentType, new Date(file.createdAt)]),
          ],
          { alignRight: [1] },
        );
      });
    });

  withOwnerOptions(databaseCommand(artifacts, 'rm'))
    .description('delete an artifact (its bytes go at the next gc unless shared)')
    .argument('<path>', 'artifact path')
    .action(async (artifactPath: string, flags: OwnerFlags, command: Command) => {
      const output = context.output(command);
      await context.withDatabase(command, async (db) => {
        const owner = await ownerOf(db, flags);
        await owner.remove(artifactPath);
        if (output.json) return output.printJson({ deleted: artifactPath });
        output.line(`deleted ${artifactPath} of ${owner.label}`);
      });
    });

  databaseCommand(artifacts, 'gc')
    .description('remove stored blobs no artifact references (safe while uploads run)')
    .option('--grace <duration>', 'keep unreferenced blobs younger than this (uploads in flight); e.g. 1h, 30m, 0', '1h')
    .option('--dry-run', 'report what would be removed, remove nothing')
    .action(async (flags: { grace: string; dryRun?: boolean }, command: Command) => {
      const output = context.output(command);
      const graceMs = parseDuration(flags.grace);
      await context.withDatabase(command, async (db) => {
        const report = await collectArtifactGarbage(db, { graceMs, dryRun: flags.dryRun === true });
        if (output.json) return output.printJson(report);
        output.line(
          `${flags.dryRun === true ? 'would remove' : 'removed'} ${report.removed} of ${report.scanned} blobs (${formatBytes(report.removedBytes)}); ` +
            `kept ${report.kept} unreferenced (young or uploading); cleaned ${report.swept} leftovers`,
        );
      });
    });
}
