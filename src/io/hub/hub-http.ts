// The HTTP side of the Hub client: requests with credentials for the Hub's host only, deadlines, redirects, status codes.
import { NegmineError, errorMessage, type ErrorCode } from '../../core/errors.ts';
import type { HubSettings } from './hub-settings.ts';
import { redactUrls } from './redact-url.ts';

/** What a request needs to know about the download it belongs to. */
export interface HubContext {
  repoId: string;
  /** `org/name@revision`, as messages name the model. */
  label: string;
  settings: HubSettings;
  signal: AbortSignal | undefined;
}

export const MAX_REDIRECTS = 10;
const USER_AGENT = `negmine; node/${process.versions.node}`;
/** Failures after which huggingface_hub serves the cache: no connection, timeouts, auth, rate limits, server errors. */
export const cacheFallbackErrors = new WeakSet<NegmineError>();
/** The subset that never reached the Hub, whose message then gets the cache miss appended. */
export const networkErrors = new WeakSet<NegmineError>();

/** Every hub error goes through here: no URL credentials or signed query strings reach a message. */
export function hubError(code: ErrorCode, message: string, options?: { cause?: unknown }): NegmineError {
  return new NegmineError(code, redactUrls(message), options);
}

// Credentials go only to the Hub's own host, never to a CDN a redirect points at; HF_TOKEN wins over HF_ENDPOINT's user:password.
export function requestHeaders(session: HubContext, url: string, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, 'accept-encoding': 'identity', ...extra };
  const { token, endpointBasicAuth } = session.settings;
  if (new URL(url).host !== new URL(session.settings.endpoint).host) return headers;
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  else if (endpointBasicAuth !== undefined) headers['authorization'] = endpointBasicAuth;
  return headers;
}

// fetch() refuses URLs with credentials and must never be sent to file: or data: URLs: such a Location is a bad redirect.
export function redirectTarget(session: HubContext, location: string, base: string): string {
  let target: URL | undefined;
  try {
    target = new URL(location, base);
  } catch {
    target = undefined;
  }
  if (target === undefined || (target.protocol !== 'http:' && target.protocol !== 'https:') || target.username !== '' || target.password !== '') {
    throw hubError('E_MODEL_LOAD', `${session.settings.endpoint} redirected ${session.label} to an unusable URL '${location}' (not http(s), or with credentials): check HF_ENDPOINT and any proxy in between`);
  }
  return target.href;
}

export function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

export function sizeHeader(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/** A fetch whose whole exchange is bounded by `timeoutMs` of silence, and cancelled with the caller's signal. */
export class IdleDeadline {
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
export function networkReason(error: unknown, deadline: IdleDeadline): string {
  if (deadline.timedOut) return `no answer for ${deadline.timeoutMs / 1000} s`;
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error ? cause.message : errorMessage(error);
}

export function unreachableError(session: HubContext, reason: string, cause: unknown): NegmineError {
  const error = hubError('E_NETWORK', `Cannot reach ${session.settings.endpoint} for ${session.label} (${reason})`, { cause });
  cacheFallbackErrors.add(error);
  networkErrors.add(error);
  return error;
}

// The caller's cancellation passes through unchanged, so an interrupt is never reported as a network problem.
export function rethrowIfCancelled(session: HubContext, error: unknown): void {
  if (session.signal?.aborted === true && error === session.signal.reason) throw error;
}

export async function send(session: HubContext, url: string, method: 'HEAD' | 'GET', deadline: IdleDeadline, extra: Record<string, string> = {}): Promise<Response> {
  try {
    return await fetch(url, { method, redirect: 'manual', headers: requestHeaders(session, url, extra), signal: deadline.signal });
  } catch (error) {
    rethrowIfCancelled(session, error);
    throw unreachableError(session, networkReason(error, deadline), error);
  }
}

/** GET following redirects by hand, so the token is dropped when a redirect leaves the Hub's host. */
export async function getFile(session: HubContext, url: string, deadline: IdleDeadline, rangeStart: number): Promise<Response> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await send(session, current, 'GET', deadline, rangeStart > 0 ? { range: `bytes=${rangeStart}-` } : {});
    const location = response.headers.get('location');
    if (!isRedirect(response.status) || location === null) return response;
    await response.body?.cancel();
    current = redirectTarget(session, location, current);
  }
  throw hubError('E_MODEL_LOAD', `${session.settings.endpoint} redirected ${session.label} more than ${MAX_REDIRECTS} times: check HF_ENDPOINT and any proxy in between`);
}

/** Start of a 206 answer's `Content-Range: bytes {start}-{end}/{total}`; undefined when absent or malformed. */
export function contentRangeStart(response: Response): number | undefined {
  const match = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** 401/403/404 are fatal (E_MODEL_LOAD), 429 is E_RATE_LIMIT, 5xx and 408 are E_NETWORK (retryable); other 4xx mean a wrong endpoint. */
export function httpStatusError(session: HubContext, status: number, hubErrorCode: string | null, filePath: string): NegmineError {
  const { endpoint, token, endpointBasicAuth } = session.settings;
  const where = `${session.label} on ${endpoint}`;
  if (status === 401 || status === 403) {
    const credentials = token !== undefined ? 'HF_TOKEN was refused: set HF_TOKEN to a token that can read it' : endpointBasicAuth !== undefined ? "the user and password in HF_ENDPOINT were refused: check them, or set HF_TOKEN to a token that can read it" : 'set HF_TOKEN to a token that can read it';
    return hubError('E_MODEL_LOAD', `Model ${where} is private or gated (HTTP ${status}, or it does not exist): ${credentials}, accept its terms at ${endpoint}/${session.repoId} if it is gated, or check the id`);
  }
  if (status === 404 && hubErrorCode === 'EntryNotFound') return hubError('E_MODEL_LOAD', `Model ${session.label} has no ${filePath}: check the file name, or pick a model or revision that has it`);
  if (status === 404) return hubError('E_MODEL_LOAD', `Model ${session.label} not found on ${endpoint}: check the id and revision`);
  if (status === 429) return hubError('E_RATE_LIMIT', `${endpoint} rate-limited requests for ${session.label} (HTTP 429): wait and run again, or set HF_TOKEN (signed-in requests get higher limits)`);
  if (status >= 500 || status === 408) return hubError('E_NETWORK', `${endpoint} answered HTTP ${status} for ${filePath} of ${session.label}: the Hub may be down; run again later, or pre-fill the cache at ${session.settings.cacheDir}`);
  return hubError('E_MODEL_LOAD', `${endpoint} answered HTTP ${status} for ${filePath} of ${session.label}, which the Hugging Face Hub does not: check HF_ENDPOINT and any proxy in between`);
}

