import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface FaissStatus {
  version: string;
  /** How the addon got here: the prebuilt binary, or scripts/build-faiss-node.sh against the system libfaiss. */
  build: { source: 'prebuilt' | 'system-libfaiss' | 'unknown'; libfaiss?: string; libfaissVersion?: string };
  usable: boolean;
  error?: string;
}

interface BuildMarker {
  source?: string;
  libfaiss?: string;
  libfaissVersion?: string;
}

function readBuildMarker(): FaissStatus['build'] {
  try {
    const marker = require('faiss-node/build/Release/negmine-build.json') as BuildMarker;
    const source = marker.source === 'prebuilt' || marker.source === 'system-libfaiss' ? marker.source : 'unknown';
    const build: FaissStatus['build'] = { source };
    if (marker.libfaiss !== undefined) build.libfaiss = marker.libfaiss;
    if (marker.libfaissVersion !== undefined) build.libfaissVersion = marker.libfaissVersion;
    return build;
  } catch {
    return { source: 'unknown' };
  }
}

/** Loads the faiss-node addon and runs an inner-product search on two vectors. */
export async function checkFaiss(): Promise<FaissStatus> {
  const version = (require('faiss-node/package.json') as { version: string }).version;
  const build = readBuildMarker();
  try {
    const faiss = (await import('faiss-node')).default;
    const index = new faiss.IndexFlatIP(2);
    index.add([1, 0, 0, 1]);
    const result = index.search([0.1, 0.9], 1);
    if (result.labels[0] !== 1) return { version, build, usable: false, error: `search returned label ${String(result.labels[0])}, expected 1` };
    return { version, build, usable: true };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error);
    return { version, build, usable: false, error: `${message} (run 'npm run faiss:build')` };
  }
}
