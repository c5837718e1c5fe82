/**
 * How hard the reliability suite pushes. CI runs the small counts inside `npm test`;
 * AIMDB_RELIABILITY_LONG=1 runs the long counts (minutes per backend) for a release or a bug hunt.
 */
export const LONG = process.env.AIMDB_RELIABILITY_LONG === '1';

/** `short` in a normal run, `long` with AIMDB_RELIABILITY_LONG=1. */
export const scaled = (short: number, long: number): number => (LONG ? long : short);

/** Test timeout for a block doing `count` rounds of about `perRoundMs` each, with slack for a busy machine. */
export const timeoutFor = (count: number, perRoundMs: number): number => 60_000 + count * perRoundMs * 3;
