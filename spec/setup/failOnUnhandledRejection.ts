// Fails the test during which a promise rejection went unhandled anywhere in the process.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
process.on('unhandledRejection', onUnhandled);

afterEach(async () => {
  // Give rejections from the test's last tick a chance to surface.
  await new Promise((resolve) => setImmediate(resolve));
  if (unhandled.length > 0) {
    const reasons = unhandled.splice(0).map((r) => (r instanceof Error ? `${r.name}: ${r.message}` : String(r)));
    throw new Error(`Unhandled promise rejection(s) during this test: ${reasons.join('; ')}`);
  }
});

afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});
