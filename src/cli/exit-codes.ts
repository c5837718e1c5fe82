/**
 * The process exit codes of `aimdb`, one table shared by the error handler and `aimdb --help`, so
 * scripts can tell a typo from an unreachable server without parsing stderr.
 */
export const EXIT_CODES = {
  ok: 0,
  /** An unexpected failure: a database error mid-command, or a bug (rerun with --debug). */
  failure: 1,
  /** Bad arguments or options: unknown command or option, a value of the wrong type or range. */
  usage: 2,
  /** The configuration file is unreadable or invalid, or names an unset ${ENV} variable. */
  config: 3,
  /** The database cannot be reached: server down, wrong host/port, password rejected, database missing. */
  connection: 4,
  /** The model, run, dataset … asked for does not exist. */
  notFound: 5,
  /** The database schema is older or newer than this aimdb ('aimdb migrate status'). */
  schema: 6,
  /** The write clashes with what is stored (a name taken, an illegal run status change). */
  conflict: 7,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The table printed at the end of `aimdb --help`. */
export function exitCodeHelp(): string {
  const rows: Array<[number, string]> = [
    [EXIT_CODES.ok, 'success'],
    [EXIT_CODES.failure, 'unexpected failure (rerun with --debug for the stack trace)'],
    [EXIT_CODES.usage, 'bad arguments or options'],
    [EXIT_CODES.config, 'invalid or unreadable configuration file, or an unset ${ENV} variable in it'],
    [EXIT_CODES.connection, 'database unreachable, credentials rejected, or database missing'],
    [EXIT_CODES.notFound, 'the entity asked for does not exist'],
    [EXIT_CODES.schema, "database schema outdated or too new (see 'aimdb migrate status')"],
    [EXIT_CODES.conflict, 'the write clashes with stored data (name taken, illegal status change)'],
    [EXIT_CODES.interrupted, 'interrupted'],
  ];
  return ['Exit codes:', ...rows.map(([code, text]) => `  ${String(code).padEnd(4)}${text}`)].join('\n');
}
