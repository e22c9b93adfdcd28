// Preloaded into a Konto child with BENCH_HEAP_PROF=<dir> (children.ts): a sampling profile of
// every allocation, the collected ones included (Node's --heap-prof keeps only what is still alive
// at exit, which says nothing about what the collector pays for). Written to the directory when
// the child is asked to stop; open it in Chrome's DevTools (Memory, "Allocation sampling").
import { Session } from "node:inspector";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const directory = process.env.BENCH_HEAP_PROF;
if (directory) {
  const session = new Session();
  session.connect();
  session.post("HeapProfiler.enable");
  session.post("HeapProfiler.startSampling", {
    samplingInterval: 32 * 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  let written = false;
  // Before Konto's own handler starts its shutdown; the in-process session answers synchronously.
  process.prependListener("SIGTERM", () => {
    if (written) return;
    written = true;
    session.post("HeapProfiler.stopSampling", (error, result) => {
      if (error) console.error(`allocation profile not written: ${error.message}`);
      else writeFileSync(join(directory, `Allocations.${process.pid}.heapprofile`), JSON.stringify(result.profile));
    });
  });
}
