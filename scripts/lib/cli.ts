// Shared entry for scripts: a user mistake or a failed step is one clear line and exit code 1.

export function runMain(main: () => unknown | Promise<unknown>): void {
  Promise.resolve()
    .then(main)
    .catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      console.error(`error: ${message}`);
      if (process.env.WAREHOUSE_DEBUG && err instanceof Error) console.error(err.stack);
      process.exitCode = 1;
    });
}
