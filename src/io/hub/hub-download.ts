import path from 'node:path';
import { NegmineError } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/logger.ts';
import { openBlobWriter, type BlobWriter } from './blob-writer.ts';
import { cacheIoError, isFsError } from './cache-guard.ts';
import { checkRepoFilePath, commitBlob, discardIncomplete, hasBlob, linkSnapshotFile, lookupCachedFile, markAbsent, repoCacheDir, withBlobLock, writeRef, type CacheLookup } from './hub-cache.ts';
import type { HubSettings } from './hub-settings.ts';
import { formatModelId, isCommitHash, parseModelId } from './model-id.ts';
import {
  IdleDeadline,
  MAX_REDIRECTS,
  cacheFallbackErrors,
  contentRangeStart,
  getFile,
  httpStatusError,
  hubError,
  isRedirect,
  networkErrors,
  networkReason,
  redirectTarget,
  rethrowIfCancelled,
  send,
  sizeHeader,
  type HubContext,
} from './hub-http.ts';
import { redactUrls } from './redact-url.ts';

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

interface Session extends HubContext {
  revision: string;
  repoDir: string;
  log: Logger;
  onProgress: ((event: HubDownloadProgress) => void) | undefined;
  /** Commit the Hub resolved the revision to in this call: later files are fetched at it, so all come from one commit. */
  commit: string | undefined;
  /** Why the Hub was given up in this call; later files come from the cache without asking again. */
  unavailable: NegmineError | undefined;
  /** Whether the "using the cache" warning was logged, so it is logged once. */
  warnedUnavailable: boolean;
}

const SHA256_PATTERN = /^[0-9a-f]{64}$/;
// ETags become file names: refuse anything that could leave blobs/.
const ETAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
function resolveUrl(session: Session, revision: string, filePath: string): string {
  const encodedPath = filePath.split('/').map(encodeURIComponent).join('/');
  return `${session.settings.endpoint}/${session.repoId}/resolve/${encodeURIComponent(revision)}/${encodedPath}`;
}

function normalizeEtag(value: string): string {
  return value.replace(/^W\//, '').replace(/^"+|"+$/g, '');
}

function parseMetadata(session: Session, response: Response, downloadUrl: string, requestUrl: string): FileMetadata {
  const commit = response.headers.get('x-repo-commit');
  const linkedEtag = response.headers.get('x-linked-etag');
  const etag = normalizeEtag(linkedEtag ?? response.headers.get('etag') ?? '');
  if (commit === null || !isCommitHash(commit) || !ETAG_PATTERN.test(etag)) {
    throw hubError(
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
    session.log.debug({ event: 'hub.head', url: redactUrls(url), status: response.status }, 'hub file metadata');
    const location = response.headers.get('location');
    if (isRedirect(response.status) && location !== null) {
      const target = redirectTarget(session, location, url);
      if (response.headers.has('x-repo-commit')) return { kind: 'found', metadata: parseMetadata(session, response, target, url) };
      url = target;
      continue;
    }
    if (!response.ok) return { kind: 'http-error', status: response.status, hubError: response.headers.get('x-error-code'), commit: response.headers.get('x-repo-commit') };
    return { kind: 'found', metadata: parseMetadata(session, response, url, url) };
  }
  throw hubError('E_MODEL_LOAD', `${session.settings.endpoint} redirected ${session.label} more than ${MAX_REDIRECTS} times: check HF_ENDPOINT and any proxy in between`);
}

// The body of a download that an interrupted run already completed: nothing left to fetch.
async function* noBytes(): AsyncGenerator<Uint8Array> {}

/** Bytes the whole file may have: the size the HEAD announced, else the GET's own Content-Length (plus the resumed part). */
function announcedSize(metadata: FileMetadata, response: Response | undefined, offset: number): number | undefined {
  if (metadata.size !== undefined) return metadata.size;
  const length = sizeHeader(response?.headers.get('content-length') ?? null);
  return length === undefined ? undefined : length + (response?.status === 206 ? offset : 0);
}

/** The GET for the rest of the file; a server that ignored Range gets the file asked for from byte 0 (the writer emptied). */
async function requestBody(session: Session, metadata: FileMetadata, filePath: string, writer: BlobWriter, deadline: IdleDeadline): Promise<Response | undefined> {
  const offset = writer.size;
  if (metadata.size !== undefined && offset === metadata.size) return undefined;
  let response = await getFile(session, metadata.downloadUrl, deadline, offset);
  if (offset > 0 && (response.status !== 206 || contentRangeStart(response) !== offset)) {
    session.log.debug({ event: 'hub.resume-refused', path: filePath, status: response.status }, 'server ignored Range; starting over');
    // A 200 answer is the whole file: use it. Anything else (416, a wrong range) is asked for again from byte 0.
    if (response.status !== 200) {
      await response.body?.cancel();
      response = await getFile(session, metadata.downloadUrl, deadline, 0);
    }
    await writer.restart();
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw httpStatusError(session, response.status, response.headers.get('x-error-code'), filePath);
  }
  return response;
}

/**
 * Downloads one blob into blobs/{etag}, resuming a `.incomplete` left by an interrupted run when the server honours
 * Range. Never writes more than the announced size: the transfer is aborted the moment more bytes arrive.
 */
async function downloadBlob(session: Session, metadata: FileMetadata, filePath: string): Promise<void> {
  const { repoDir } = session;
  const { etag } = metadata;
  // Re-hashing a large partial file is local work, not network silence: the deadline starts after it.
  const writer = await openBlobWriter(repoDir, etag);
  if (metadata.size !== undefined && writer.size > metadata.size) await writer.restart();
  const deadline = new IdleDeadline(session.settings.downloadTimeoutMs, session.signal);
  try {
    const response = await requestBody(session, metadata, filePath, writer, deadline);
    const totalBytes = announcedSize(metadata, response, writer.size);
    session.log.info({ event: 'hub.download', repo: session.repoId, commit: metadata.commit, path: filePath, bytes: totalBytes, resumeFrom: writer.size }, 'downloading model file');
    session.onProgress?.({ path: filePath, receivedBytes: writer.size, totalBytes });
    let overflow: number | undefined;
    try {
      const body: AsyncIterable<Uint8Array> = response?.body ?? noBytes();
      for await (const chunk of body) {
        deadline.touch();
        if (totalBytes !== undefined && writer.size + chunk.byteLength > totalBytes) {
          // Leaving the loop cancels the body: not one byte beyond the announced size is written.
          overflow = writer.size + chunk.byteLength;
          break;
        }
        await writer.write(chunk);
        session.onProgress?.({ path: filePath, receivedBytes: writer.size, totalBytes });
      }
    } catch (error) {
      await writer.finish();
      rethrowIfCancelled(session, error);
      if (error instanceof NegmineError) throw error;
      const of = totalBytes === undefined ? '' : ` of ${totalBytes}`;
      throw hubError('E_NETWORK', `Download of ${filePath} from ${session.label} stopped after ${writer.size}${of} bytes (${networkReason(error, deadline)}): run again to resume`, { cause: error });
    }
    const written = await writer.finish();
    if (overflow !== undefined) {
      await discardIncomplete(repoDir, etag);
      throw hubError('E_NETWORK', `Download of ${filePath} from ${session.label} sent more than the ${totalBytes} bytes the Hub announced (at least ${overflow}): stopped and discarded; run again, or check HF_ENDPOINT and any proxy in between`);
    }
    if (totalBytes !== undefined && written.size !== totalBytes) {
      await discardIncomplete(repoDir, etag);
      throw hubError('E_NETWORK', `Download of ${filePath} from ${session.label} has ${written.size} bytes but the Hub announced ${totalBytes}: run again to download it afresh`);
    }
    if (metadata.lfs && SHA256_PATTERN.test(etag) && written.sha256 !== etag) {
      await discardIncomplete(repoDir, etag);
      throw hubError('E_NETWORK', `Download of ${filePath} from ${session.label} has sha256 ${written.sha256} but the Hub announced ${etag}: it was corrupted on the way; run again to download it afresh`);
    }
    await commitBlob(repoDir, etag);
  } finally {
    deadline.clear();
    await writer.finish().catch(() => undefined);
    // An empty partial file (the GET failed before any byte) helps no resume.
    if (writer.size === 0) await discardIncomplete(repoDir, etag).catch(() => undefined);
  }
}

// Offline, or after the network failed: what the cache has is the answer.
function fromCache(session: Session, file: HubFileRequest, lookup: CacheLookup): string | null {
  if (lookup.status === 'hit') {
    if (session.unavailable !== undefined && !session.warnedUnavailable) {
      session.warnedUnavailable = true;
      session.log.warn({ event: 'hub.unavailable', endpoint: session.settings.endpoint, code: session.unavailable.code, reason: session.unavailable.message }, 'Hub unavailable; using the cached copy');
    }
    return lookup.path;
  }
  if (lookup.status === 'absent') {
    if (file.optional === true) return null;
    throw hubError('E_MODEL_LOAD', `Model ${session.label} has no ${file.path} (recorded in the cache at ${session.repoDir}): check the file name, or pick a model or revision that has it`);
  }
  if (file.optional === true && lookup.commit !== undefined) {
    session.log.debug({ event: 'hub.optional-unknown', path: file.path }, 'optional file not in the cache; treated as absent');
    return null;
  }
  const unavailable = session.unavailable;
  if (unavailable === undefined) {
    const refused = lookup.removed !== undefined ? ` (its cached link led outside the cache folder, to ${lookup.removed.target}, and was removed)` : '';
    throw hubError('E_MODEL_LOAD', `HF_HUB_OFFLINE=1 and ${session.label} has no ${file.path} in the cache at ${session.repoDir}${refused}: run once online or unset HF_HUB_OFFLINE`);
  }
  if (!networkErrors.has(unavailable)) throw unavailable;
  throw hubError(
    unavailable.code,
    `${unavailable.message} and ${file.path} is not in the cache at ${session.repoDir}: check the network, set HF_ENDPOINT to a reachable mirror, or pre-fill the cache (then set HF_HUB_OFFLINE=1)`,
    { cause: unavailable.cause },
  );
}

/** A cache lookup that warns when it removed a link leading outside the repo's cache folder (the file is then fetched again). */
async function lookupCached(session: Session, revision: string, filePath: string): Promise<CacheLookup> {
  const lookup = await lookupCachedFile(session.repoDir, revision, filePath);
  if (lookup.status === 'miss' && lookup.removed !== undefined) {
    session.log.warn({ event: 'hub.cache-link-removed', path: filePath, link: lookup.removed.link, target: lookup.removed.target }, `removed a cached link that led outside the cache folder: ${lookup.removed.link} -> ${lookup.removed.target}`);
  }
  return lookup;
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
  const cached = await lookupCached(session, metadata.commit, file.path);
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
    const lookup = await lookupCached(session, known, file.path);
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
  const lookup = await lookupCached(session, session.commit ?? session.revision, file.path);
  session.commit ??= lookup.commit;
  return fromCache(session, file, lookup);
}

/**
 * Fetches files of a Hub model repo into the huggingface_hub cache (`$HF_HUB_CACHE/models--org--name`) and returns
 * their paths in `snapshots/{commit}`. Files already cached are reused: at a commit-hash revision, or offline
 * (`HF_HUB_OFFLINE=1`), without any request; at a branch or tag, after one HEAD that tells the commit.
 * When the Hub cannot be reached the cache answers. Failures are NegmineError saying what to do: E_NETWORK (no
 * connection, timeout, HTTP 5xx, a truncated or oversized download), E_RATE_LIMIT (HTTP 429), E_IO (the cache cannot
 * be written), E_MODEL_LOAD (401/403/404, a file the repo lacks, offline without a cached copy, a bad redirect).
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
  if (settings.token !== undefined && settings.endpointBasicAuth !== undefined) {
    session.log.warn({ event: 'hub.endpoint-credentials-ignored', endpoint: settings.endpoint }, 'HF_TOKEN is set: the user and password in HF_ENDPOINT are not sent');
  }
  const files: Record<string, string | null> = {};
  for (const file of request.files) {
    session.signal?.throwIfAborted();
    try {
      files[file.path] = await resolveFile(session, file);
    } catch (error) {
      // Any fs failure left unwrapped on the way (mkdir, rename, symlink in the cache) is a retryable I/O error.
      if (isFsError(error)) throw cacheIoError(error, error.path ?? session.repoDir);
      throw error;
    }
  }
  const commit = session.commit;
  if (commit === undefined) {
    throw hubError('E_MODEL_LOAD', `${settings.endpoint} did not tell which commit ${session.label} is at (no X-Repo-Commit header): check HF_ENDPOINT and any proxy in between`);
  }
  return { snapshotDir: path.join(session.repoDir, 'snapshots', commit), commit, files };
}
