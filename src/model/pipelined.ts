/**
 * Runs batches with one in flight ahead: while batch i computes (in a worker), batch i+1 is prepared and
 * started before batch i's output is post-processed. Results are handled in batch order.
 */
export async function runPipelined<B, X, R>(
  batches: readonly B[],
  start: (batch: B) => [X, Promise<R>],
  finish: (batch: B, prepared: X, result: R) => void,
): Promise<void> {
  const inFlight: { batch: B; prepared: X; run: Promise<R> }[] = [];
  const depth = 2;
  let next = 0;
  try {
    while (next < batches.length || inFlight.length > 0) {
      while (inFlight.length < depth && next < batches.length) {
        const batch = batches[next++] as B;
        const [prepared, run] = start(batch);
        inFlight.push({ batch, prepared, run });
      }
      const head = inFlight.shift();
      if (head === undefined) break;
      finish(head.batch, head.prepared, await head.run);
    }
  } finally {
    // Settle whatever is still running so no rejection goes unhandled.
    await Promise.allSettled(inFlight.map((item) => item.run));
  }
}
