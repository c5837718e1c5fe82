/** `aimdb serve`: the REST API (and the dashboard, when built) over the configured database. */
import { Option, type Command } from 'commander';
import { X_FRAME_OPTIONS, type ServerConfig } from '../../config/config.js';
import { atStage, CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { parseListenPort } from '../database-options.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Comma-separated flag values; repeating the flag adds to the list. */
const collectList = (value: string, previous: string[] = []) => [
  ...previous,
  ...value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== ''),
];

interface ServeOptions {
  host?: string;
  port?: number;
  logLevel?: ServerConfig['logLevel'];
  uiDir?: string;
  allowedHosts?: string[];
  corsAllowedOrigins?: string[];
  xFrameOptions?: ServerConfig['xFrameOptions'];
  frameAncestors?: string[];
}

export function register(program: Command, context: CliContext): void {
  program
    .command('serve')
    .description('serve the REST API over the database chosen by --url / --config (see aimdb doctor)')
    .option('--host <host>', 'interface to listen on (default: server.host of the config, else 127.0.0.1)')
    .option('--port <number>', 'port to listen on, 0 for any free one (default: server.port of the config, else 8765)', parseListenPort)
    .addOption(new Option('--log-level <level>', 'request log level').choices(LOG_LEVELS))
    .option('--ui-dir <dir>', 'serve the dashboard from this folder (default: the built one, when present)')
    .option(
      '--allowed-hosts <hosts>',
      'Host header values to answer besides localhost, 127.0.0.1, [::1] and the bound address, comma-separated ' +
        '(aimdb.example.com, *.example.com, 10.0.0.5:8765; * for any: only behind a proxy that checks Host)',
      collectList,
    )
    .option(
      '--cors-allowed-origins <origins>',
      'other web origins whose pages may call the API, comma-separated (https://app.example.com, https://*.example.com, *); default none',
      collectList,
    )
    .addOption(
      new Option('--x-frame-options <policy>', 'who may frame the dashboard (default SAMEORIGIN; NONE: anyone)').choices(X_FRAME_OPTIONS),
    )
    .option('--frame-ancestors <origins>', 'other origins allowed to frame the dashboard, comma-separated', collectList)
    .action(async (options: ServeOptions, command: Command) => {
      const output = context.output(command);
      const resolved = await context.resolveDatabase(command);
      // Flags only: startServer layers them over the environment, which is over the config file.
      const server: ServerConfig = {
        ...(options.host === undefined ? {} : { host: options.host }),
        ...(options.port === undefined ? {} : { port: options.port }),
        ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
        ...(options.allowedHosts === undefined ? {} : { allowedHosts: options.allowedHosts }),
        ...(options.corsAllowedOrigins === undefined ? {} : { corsAllowedOrigins: options.corsAllowedOrigins }),
        ...(options.xFrameOptions === undefined ? {} : { xFrameOptions: options.xFrameOptions }),
        ...(options.frameAncestors === undefined ? {} : { frameAncestors: options.frameAncestors }),
      };
      // Loaded lazily so the other commands never pay for Fastify at start-up.
      const { startServer } = await import('../../server/serve.js');
      let started: Awaited<ReturnType<typeof startServer>>;
      try {
        started = await startServer({
          database: { ...resolved.config, ...(resolved.artifacts === undefined ? {} : { artifacts: resolved.artifacts }) },
          ...(resolved.server === undefined ? {} : { configFile: resolved.server }),
          server,
          ...(options.uiDir === undefined ? {} : { uiDir: options.uiDir }),
        });
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 'EADDRINUSE' || code === 'EACCES') {
          const env = (name: string) => (process.env[name] === '' ? undefined : process.env[name]);
          const host = server.host ?? env('AIMDB_SERVER_HOST') ?? resolved.server?.host ?? '127.0.0.1';
          const port = server.port ?? env('AIMDB_SERVER_PORT') ?? resolved.server?.port ?? 8765;
          throw new CliError(`--port: cannot listen on ${host}:${port} (${String(code)})`, {
            exitCode: EXIT_CODES.usage,
            hint: 'pick another --port, or stop what is using it',
          });
        }
        throw atStage(error, 'connect');
      }
      if (output.json) output.printJson({ url: started.url });
      else output.line(`aimdb serving ${started.url} (Ctrl-C to stop)`);
    });
}
