// DuckDB is an optional tool here (benchmark baseline, golden-file writer), not a project dependency: the npm
// registry mirror of this workplace lacks its other-platform binding packages, so it cannot sit in the lockfile.

export interface DuckdbConnection {
  run(sql: string): Promise<unknown>;
  runAndReadAll(sql: string): Promise<{ getRowObjectsJS(): Record<string, unknown>[] }>;
  stream(sql: string): Promise<{ yieldRowObjectJs(): AsyncIterable<Record<string, unknown>[]> }>;
  closeSync(): void;
}

export interface DuckdbInstance {
  connect(): Promise<DuckdbConnection>;
  closeSync(): void;
}

export interface DuckdbModule {
  DuckDBInstance: { create(path: string, options?: Record<string, string>): Promise<DuckdbInstance> };
}

export const DUCKDB_INSTALL = 'npm install --no-save @duckdb/node-api@1.5.6-r.1';

/** Loads @duckdb/node-api when installed, or undefined. */
export async function tryLoadDuckdb(): Promise<DuckdbModule | undefined> {
  const name = '@duckdb/node-api';
  try {
    return (await import(name)) as DuckdbModule;
  } catch {
    return undefined;
  }
}

/** Loads @duckdb/node-api or stops with the command that installs it. */
export async function loadDuckdb(purpose: string): Promise<DuckdbModule> {
  const duckdb = await tryLoadDuckdb();
  if (duckdb === undefined) throw new Error(`${purpose} needs DuckDB, which is not installed: ${DUCKDB_INSTALL}`);
  return duckdb;
}
