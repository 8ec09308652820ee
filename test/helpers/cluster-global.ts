// Global teardown of the cluster-suites project: drops the databases its suites kept for a restart (cluster-loupe.ts).
export async function teardown(): Promise<void> {
  const run = process.env.LOUPE_TEST_RUN;
  if (!run) return;
  const { dropRunDatabases } = await import('./cluster-loupe');
  await dropRunDatabases(run);
}
