/**
 * Ends a command with an exit code after its messages were printed. In a
 * module of its own, so main.ts can catch it without loading the pipeline
 * (and with it the whole core) at start-up.
 */
export class ExitError extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}
