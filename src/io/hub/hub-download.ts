import path from 'node:path';
import { NegmineError, errorMessage } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/logger.ts';
import {
  checkRepoFilePath,
  commitBlob,
  discardIncomplete,
  hasBlob,
  incompleteSize,
  linkSnapshotFile,
  lookupCachedFile,
  markAbsent,
  openBlobWriter,
  repoCacheDir,
  withBlobLock,
  writeRef,
  type CacheLookup,
} from './hub-cache.ts';
import type { HubSettings } from './hub-settings.ts';
import { formatModelId, isCommitHash, parseModelId } from './model-id.ts';

/** One file to fetch from a repo; an optional file the repo lacks resolves to null instead of failing. */
export interface HubFileRequest {
  path: string;
  optional?: boolean;
}

export interface HubDownloadRequest {
  repoId: string;
  /** Branch, tag or 40-hex commit. */
  revision: string;
  files: HubFileRequest[];
}

/** Reported per received chunk while a file downloads; `receivedBytes` includes resumed bytes. */
export interface HubDownloadProgress {
  path: string;
  receivedBytes: number;
  totalBytes: number | undefined;
}

export interface HubDownloadOptions {
  onProgress?: (event: HubDownloadProgress) => void;
  log?: Logger;
  signal?: AbortSignal;
}

export interface HubDownloadResult {
  /** `snapshots/{commit}` in the repo's cache folder. */
  snapshotDir: string;
  commit: string;
  /** Repo path -> local path under `snapshotDir` (a symlink into blobs/), or null for an absent optional file. */
  files: Record<string, string | null>;
}

/** What a HEAD on `resolve/` told us about one file. */
interface FileMetadata {
  commit: string;
  etag: string;
  size: number | undefined;
  /** An LFS file: its etag is the sha256 of the content. */
  lfs: boolean;
  /** Where the bytes are: the resolve URL, or the CDN it redirects to. */
  downloadUrl: string;
}

type HeadOutcome = { kind: 'found'; metadata: FileMetadata } | { kind: 'http-error'; status: number; hubError: string | null; commit: string | null };

interface Session {
  repoId: string;
  revision: string;
  /** `org/name@revision`, as messages name the model. */
  label: string;
  settings: HubSettings;
  repoDir: string;
  log: Logger;
  signal: AbortSignal | undefined;
  onProgress: ((event: HubDownloadProgress) => void) | undefined;
  /** Commit the Hub resolved the revision to in this call: later files are fetched at it, so all come from one commit. */
  commit: string | undefined;
  /** Why the Hub was given up in this call; later files come from the cache without asking again. */
  unavailable: NegmineError | undefined;
  /** Whether the "using the cache" warning was logged, so it is logged once. */
  warnedUnavailable: boolean;
}

const MAX_REDIRECTS = 10;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;
// ETags become file names: refuse anything that could leave blobs/.
const ETAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const USER_AGENT = `negmine; node/${process.versions.node}`;
// Failures after which huggingface_hub serves the cache: no connection, timeouts, auth, rate limits, server errors.
const cacheFallbackErrors = new WeakSet<NegmineError>();
// The subset that never reached the Hub, whose message then gets the cache miss appended.
const networkErrors = new WeakSet<NegmineError>();

function resolveUrl(session: Session, revision: string, filePath: string): string {
  const encodedPath = filePath.split('/').map(encodeURIComponent).join('/');
  return `${session.settings.endpoint}/${session.repoId}/resolve/${encodeURIComponent(revision)}/${encodedPath}`;
}

// The token goes only to the Hub's own host, never to a CDN a redirect points at.
function requestHeaders(session: Session, url: string, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, 'accept-encoding': 'identity', ...extra };
  const token = session.settings.token;
  if (token !== undefined && new URL(url).host === new URL(session.settings.endpoint).host) headers['authorization'] = `Bearer ${token}`;
  return headers;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function normalizeEtag(value: string): string {
  return value.replace(/^W\//, '').replace(/^"+|"+$/g, '');
}

function sizeHeader(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/** A fetch whose whole exchange is bounded by `timeoutMs` of silence, and cancelled with the caller's signal. */
class IdleDeadline {
  readonly signal: AbortSignal;
  timedOut = false;
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly timeoutMs: number,
    callerSignal: AbortSignal | undefined,
  ) {
    this.signal = callerSignal === undefined ? this.controller.signal : AbortSignal.any([this.controller.signal, callerSignal]);
    this.touch();
  }

  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new Error(`no answer for ${this.timeoutMs / 1000} s`));
    }, this.timeoutMs);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** Why a request failed before any HTTP status, in words (no stack): "connect ECONNREFUSED 127.0.0.1:9", "no answer for 10 s". */
function networkReason(error: unknown, deadline: IdleDeadline): string {
  if (deadline.timedOut) return `no answer for ${deadline.timeoutMs / 1000} s`;
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error ? cause.message : errorMessage(error);
}

function unreachableError(session: Session, reason: string, cause: unknown): NegmineError {
  const error = new NegmineError('E_MODEL_LOAD', `Cannot reach ${session.settings.endpoint} for ${session.label} (${reason})`, { cause });
  cacheFallbackErrors.add(error);
  networkErrors.add(error);
  return error;
}

// The caller's cancellation passes through unchanged, so an interrupt is never reported as a network problem.
function rethrowIfCancelled(session: Session, error: unknown): void {
  if (session.signal?.aborted === true && error === session.signal.reason) throw error;
}

async function send(session: Session, url: string, method: 'HEAD' | 'GET', deadline: IdleDeadline, extra: Record<string, string> = {}): Promise<Response> {
  try {
    return await fetch(url, { method, redirect: 'manual', headers: requestHeaders(session, url, extra), signal: deadline.signal });
  } catch (error) {
    rethrowIfCancelled(session, error);
    throw unreachableError(session, networkReason(error, deadline), error);
  }
}

function parseMetadata(session: Session, response: Response, downloadUrl: string, requestUrl: string): FileMetadata {
  const commit = response.headers.get('x-repo-commit');
  const linkedEtag = response.headers.get('x-linked-etag');
  const etag = normalizeEtag(linkedEtag ?? response.headers.get('etag') ?? '');
  if (commit === null || !isCommitHash(commit) || !ETAG_PATTERN.test(etag)) {
    throw new NegmineError(
      'E_MODEL_LOAD',
      `${session.settings.endpoint} did not answer like the Hugging Face Hub for ${requestUrl} (commit '${commit ?? ''}', etag '${etag}'): check HF_ENDPOINT and any proxy in between`,
    );
  }
  const size = sizeHeader(response.headers.get('x-linked-size')) ?? sizeHeader(response.headers.get('content-length'));
  return { commit, etag, size, lfs: linkedEtag !== null, downloadUrl };
}

/**
 * HEAD `resolve/{revision}/{path}` without following the CDN redirect (its 302 carries the metadata), but
 * following redirects that carry none (a renamed repo answers with a relative one).
 */
async function headFile(session: Session, revision: string, filePath: string): Promise<HeadOutcome> {
  let url = resolveUrl(session, revision, filePath);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const deadline = new IdleDeadline(session.settings.metadataTimeoutMs, session.signal);
    const response = await send(session, url, 'HEAD', deadline).finally(() => {
      deadline.clear();
    });
    session.log.debug({ event: 'hub.head', url, status: response.status }, 'hub file metadata');
    const location = response.headers.get('location');
    if (isRedirect(response.status) && location !== null) {
      const target = new URL(location, url).href;
      if (response.headers.has('x-repo-commit')) return { kind: 'found', metadata: parseMetadata(session, response, target, url) };
      url = target;
      continue;
    }
    if (!response.ok) return { kind: 'http-error', status: response.status, hubError: response.headers.get('x-error-code'), commit: response.headers.get('x-repo-commit') };
    return { kind: 'found', metadata: parseMetadata(session, response, url, url) };
  }
  throw new NegmineError('E_MODEL_LOAD', `${session.settings.endpoint} redirected ${session.label} more than ${MAX_REDIRECTS} times: check HF_ENDPOINT and any proxy in between`);
}

/** GET following redirects by hand, so the token is dropped when a redirect leaves the Hub's host. */
async function getFile(session: Session, url: string, deadline: IdleDeadline, rangeStart: number): Promise<Response> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await send(session, current, 'GET', deadline, rangeStart > 0 ? { range: `bytes=${rangeStart}-` } : {});
    const location = response.headers.get('location');
    if (!isRedirect(response.status) || location === null) return response;
    await response.body?.cancel();
    current = new URL(location, current).href;
  }
  throw new NegmineError('E_MODEL_LOAD', `${session.settings.endpoint} redirected ${session.label} more than ${MAX_REDIRECTS} times: check HF_ENDPOINT and any proxy in between`);
}

/** Start of a 206 answer's `Content-Range: bytes {start}-{end}/{total}`; undefined when absent or malformed. */
function contentRangeStart(response: Response): number | undefined {
  const match = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function httpStatusError(session: Session, status: number, hubError: string | null, filePath: string): NegmineError {
  const { endpoint, token } = session.settings;
  const where = `${session.label} on ${endpoint}`;
  if (status === 401 || status === 403) {
    const tokenAdvice = token === undefined ? 'set HF_TOKEN to a token that can read it' : 'HF_TOKEN was refused: set HF_TOKEN to a token that can read it';
    return new NegmineError('E_MODEL_LOAD', `Model ${where} is private or gated (HTTP ${status}, or it does not exist): ${tokenAdvice}, accept its terms at ${endpoint}/${session.repoId} if it is gated, or check the id`);
  }
  if (status === 404 && hubError === 'EntryNotFound') return new NegmineError('E_MODEL_LOAD', `Model ${session.label} has no ${filePath}: check the file name, or pick a model or revision that has it`);
  if (status === 404) return new NegmineError('E_MODEL_LOAD', `Model ${session.label} not found on ${endpoint}: check the id and revision`);
  if (status === 429) return new NegmineError('E_MODEL_LOAD', `${endpoint} rate-limited requests for ${session.label} (HTTP 429): wait and run again, or set HF_TOKEN (signed-in requests get higher limits)`);
  return new NegmineError('E_MODEL_LOAD', `${endpoint} answered HTTP ${status} for ${filePath} of ${session.label}: the Hub may be down; run again later, or pre-fill the cache at ${session.settings.cacheDir}`);
}

// The body of a download that an interrupted run already completed: nothing left to fetch.
async function* noBytes(): AsyncGenerator<Uint8Array> {}

/** Downloads one blob into blobs/{etag}, resuming a `.incomplete` left by an interrupted run when the server honours Range. */
async function downloadBlob(session: Session, metadata: FileMetadata, filePath: string): Promise<void> {
  const { repoDir } = session;
  const { etag, size: totalBytes } = metadata;
  let offset = await incompleteSize(repoDir, etag);
  if (totalBytes !== undefined && offset > totalBytes) offset = 0;
  const deadline = new IdleDeadline(session.settings.downloadTimeoutMs, session.signal);
  try {
    let response: Response | undefined;
    if (totalBytes === undefined || offset < totalBytes) {
      response = await getFile(session, metadata.downloadUrl, deadline, offset);
      if (offset > 0 && (response.status !== 206 || contentRangeStart(response) !== offset)) {
        session.log.debug({ event: 'hub.resume-refused', path: filePath, status: response.status }, 'server ignored Range; starting over');
        // A 200 answer is the whole file: use it. Anything else (416, a wrong range) is asked for again from byte 0.
        if (response.status !== 200) {
          await response.body?.cancel();
          response = await getFile(session, metadata.downloadUrl, deadline, 0);
        }
        offset = 0;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw httpStatusError(session, response.status, response.headers.get('x-error-code'), filePath);
      }
    }
    session.log.info({ event: 'hub.download', repo: session.repoId, commit: metadata.commit, path: filePath, bytes: totalBytes, resumeFrom: offset }, 'downloading model file');
    // Re-hashing a large partial file is local work, not network silence.
    deadline.clear();
    const writer = await openBlobWriter(repoDir, etag, offset > 0);
    deadline.touch();
    session.onProgress?.({ path: filePath, receivedBytes: writer.size, totalBytes });
    try {
      const body: AsyncIterable<Uint8Array> = response?.body ?? noBytes();
      for await (const chunk of body) {
        deadline.touch();
        await writer.write(chunk);
        session.onProgress?.({ path: filePath, receivedBytes: writer.size, totalBytes });
      }
    } catch (error) {
      await writer.finish();
      rethrowIfCancelled(session, error);
      const of = totalBytes === undefined ? '' : ` of ${totalBytes}`;
      throw new NegmineError('E_MODEL_LOAD', `Download of ${filePath} from ${session.label} stopped after ${writer.size}${of} bytes (${networkReason(error, deadline)}): run again to resume`, { cause: error });
    }
    const written = await writer.finish();
    if (totalBytes !== undefined && written.size !== totalBytes) {
      await discardIncomplete(repoDir, etag);
      throw new NegmineError('E_MODEL_LOAD', `Download of ${filePath} from ${session.label} has ${written.size} bytes but the Hub announced ${totalBytes}: run again to download it afresh`);
    }
    if (metadata.lfs && SHA256_PATTERN.test(etag) && written.sha256 !== etag) {
      await discardIncomplete(repoDir, etag);
      throw new NegmineError('E_MODEL_LOAD', `Download of ${filePath} from ${session.label} has sha256 ${written.sha256} but the Hub announced ${etag}: it was corrupted on the way; run again to download it afresh`);
    }
    await commitBlob(repoDir, etag);
  } finally {
    deadline.clear();
  }
}

// Offline, or after the network failed: what the cache has is the answer.
function fromCache(session: Session, file: HubFileRequest, lookup: CacheLookup): string | null {
  if (lookup.status === 'hit') {
    if (session.unavailable !== undefined && !session.warnedUnavailable) {
      session.warnedUnavailable = true;
      session.log.warn({ event: 'hub.unavailable', endpoint: session.settings.endpoint, reason: session.unavailable.message }, 'Hub unavailable; using the cached copy');
    }
    return lookup.path;
  }
  if (lookup.status === 'absent') {
    if (file.optional === true) return null;
    throw new NegmineError('E_MODEL_LOAD', `Model ${session.label} has no ${file.path} (recorded in the cache at ${session.repoDir}): check the file name, or pick a model or revision that has it`);
  }
  if (file.optional === true && lookup.commit !== undefined) {
    session.log.debug({ event: 'hub.optional-unknown', path: file.path }, 'optional file not in the cache; treated as absent');
    return null;
  }
  const unavailable = session.unavailable;
  if (unavailable === undefined) {
    throw new NegmineError('E_MODEL_LOAD', `HF_HUB_OFFLINE=1 and ${session.label} has no ${file.path} in the cache at ${session.repoDir}: run once online or unset HF_HUB_OFFLINE`);
  }
  if (!networkErrors.has(unavailable)) throw unavailable;
  throw new NegmineError(
    'E_MODEL_LOAD',
    `${unavailable.message} and ${file.path} is not in the cache at ${session.repoDir}: check the network, set HF_ENDPOINT to a reachable mirror, or pre-fill the cache (then set HF_HUB_OFFLINE=1)`,
    { cause: unavailable.cause },
  );
}

async function resolveOnline(session: Session, file: HubFileRequest): Promise<string | null> {
  const outcome = await headFile(session, session.commit ?? session.revision, file.path);
  if (outcome.kind === 'http-error') {
    const entryMissing = outcome.status === 404 && (outcome.hubError === 'EntryNotFound' || (outcome.hubError === null && outcome.commit !== null));
    if (entryMissing) {
      if (outcome.commit !== null && isCommitHash(outcome.commit)) {
        session.commit = outcome.commit;
        await writeRef(session.repoDir, session.revision, outcome.commit);
        await markAbsent(session.repoDir, outcome.commit, file.path);
      }
      if (file.optional === true) return null;
      throw httpStatusError(session, 404, 'EntryNotFound', file.path);
    }
    // huggingface_hub's rule: a missing repo or revision is final; auth, rate-limit and server errors fall back on the cache.
    const error = httpStatusError(session, outcome.status, outcome.hubError, file.path);
    if (outcome.status !== 404) cacheFallbackErrors.add(error);
    throw error;
  }
  const { metadata } = outcome;
  session.commit = metadata.commit;
  await writeRef(session.repoDir, session.revision, metadata.commit);
  const cached = await lookupCachedFile(session.repoDir, metadata.commit, file.path);
  if (cached.status === 'hit') return cached.path;
  if (!(await hasBlob(session.repoDir, metadata.etag))) {
    await withBlobLock(
      session.repoDir,
      metadata.etag,
      async () => {
        // Another process may have finished this blob while we waited for the lock.
        if (!(await hasBlob(session.repoDir, metadata.etag))) await downloadBlob(session, metadata, file.path);
      },
      session.signal,
    );
  }
  return linkSnapshotFile(session.repoDir, metadata.commit, file.path, metadata.etag);
}

async function resolveFile(session: Session, file: HubFileRequest): Promise<string | null> {
  // A commit's files never change: what the cache has at a known commit needs no request.
  const known = session.commit ?? (isCommitHash(session.revision) ? session.revision : undefined);
  if (known !== undefined) {
    const lookup = await lookupCachedFile(session.repoDir, known, file.path);
    if (lookup.status !== 'miss') {
      session.commit = known;
      return fromCache(session, file, lookup);
    }
  }
  if (!session.settings.offline && session.unavailable === undefined) {
    try {
      return await resolveOnline(session, file);
    } catch (error) {
      if (!(error instanceof NegmineError) || !cacheFallbackErrors.has(error)) throw error;
      session.unavailable = error;
      session.log.debug({ event: 'hub.fallback', reason: error.message }, 'Hub unavailable; looking in the cache');
    }
  }
  const lookup = await lookupCachedFile(session.repoDir, session.commit ?? session.revision, file.path);
  session.commit ??= lookup.commit;
  return fromCache(session, file, lookup);
}

/**
 * Fetches files of a Hub model repo into the huggingface_hub cache (`$HF_HUB_CACHE/models--org--name`) and returns
 * their paths in `snapshots/{commit}`. Files already cached are reused: at a commit-hash revision, or offline
 * (`HF_HUB_OFFLINE=1`), without any request; at a branch or tag, after one HEAD that tells the commit.
 * When the Hub cannot be reached the cache answers. All failures are NegmineError('E_MODEL_LOAD') saying what to do.
 */
export async function downloadHubFiles(request: HubDownloadRequest, settings: HubSettings, options: HubDownloadOptions = {}): Promise<HubDownloadResult> {
  const { repoId, revision } = parseModelId(`${request.repoId}@${request.revision}`);
  if (request.files.length === 0) throw new TypeError('downloadHubFiles needs at least one file');
  for (const file of request.files) checkRepoFilePath(file.path, repoId);
  const session: Session = {
    repoId,
    revision,
    label: formatModelId({ repoId, revision }),
    settings,
    repoDir: repoCacheDir(settings.cacheDir, repoId),
    log: (options.log ?? silentLogger()).child({ stage: 'hub', repo: repoId, revision }),
    signal: options.signal,
    onProgress: options.onProgress,
    commit: undefined,
    unavailable: undefined,
    warnedUnavailable: false,
  };
  const files: Record<string, string | null> = {};
  for (const file of request.files) {
    session.signal?.throwIfAborted();
    files[file.path] = await resolveFile(session, file);
  }
  const commit = session.commit;
  if (commit === undefined) {
    throw new NegmineError('E_MODEL_LOAD', `${settings.endpoint} did not tell which commit ${session.label} is at (no X-Repo-Commit header): check HF_ENDPOINT and any proxy in between`);
  }
  return { snapshotDir: path.join(session.repoDir, 'snapshots', commit), commit, files };
}
