import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NegmineError } from '../../core/errors.ts';
import { redactUrls } from './redact-url.ts';

/** Where and how to reach the Hub, read from the same variables huggingface_hub reads. */
export interface HubSettings {
  /** `HF_ENDPOINT` without credentials and without a trailing slash; https://huggingface.co by default. */
  endpoint: string;
  /**
   * `user:password@` from HF_ENDPOINT as an `Authorization: Basic ...` value, sent to the endpoint's host only and
   * only when no token is set (fetch() refuses URLs with credentials); undefined when HF_ENDPOINT has none.
   */
  endpointBasicAuth: string | undefined;
  /** `HF_TOKEN`, else the token file (`HF_TOKEN_PATH`, default `$HF_HOME/token`); undefined when neither is set. */
  token: string | undefined;
  /** `HF_HOME`; `$XDG_CACHE_HOME/huggingface` or `~/.cache/huggingface` by default. */
  hfHome: string;
  /** `HF_HUB_CACHE`; `$HF_HOME/hub` by default. */
  cacheDir: string;
  /** `HF_HUB_OFFLINE=1`: never touch the network, serve from the cache only. */
  offline: boolean;
  /** `HF_HUB_ETAG_TIMEOUT` (seconds in the env): how long to wait for a metadata (HEAD) answer. */
  metadataTimeoutMs: number;
  /** `HF_HUB_DOWNLOAD_TIMEOUT` (seconds in the env): how long a download may stall without a byte. */
  downloadTimeoutMs: number;
}

/** What settings need from the machine besides the env; tests pass their own. */
export interface HubSettingsHost {
  homeDir: () => string;
  /** Contents of a text file, or undefined when it cannot be read. */
  readTextFile: (file: string) => string | undefined;
}

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';
const DEFAULT_TIMEOUT_SECONDS = 10;
const TRUE_VALUES: ReadonlySet<string> = new Set(['1', 'on', 'yes', 'true']);

const defaultHost: HubSettingsHost = {
  homeDir: () => os.homedir(),
  readTextFile: (file) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
};

type Env = Readonly<Record<string, string | undefined>>;

// Unset and empty mean the same thing, as in huggingface_hub.
function variable(env: Env, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

function expandHome(value: string, host: HubSettingsHost): string {
  if (value === '~') return host.homeDir();
  if (value.startsWith('~/')) return path.join(host.homeDir(), value.slice(2));
  return value;
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && TRUE_VALUES.has(value.trim().toLowerCase());
}

function seconds(value: string | undefined): number {
  const parsed = value === undefined ? Number.NaN : Number(value);
  return (Number.isFinite(parsed) && parsed > 0 ? parsed : DEFAULT_TIMEOUT_SECONDS) * 1000;
}

// Credentials leave the URL (fetch refuses them) and become a Basic authorization value.
function parseEndpoint(value: string): { endpoint: string; basicAuth: string | undefined } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    // A value that is no URL may hold a secret in a form redactUrls cannot see: named only when no '@' is left.
    const redacted = redactUrls(value);
    const shown = redacted.replaceAll('***@', '').includes('@') ? '' : ` '${redacted}'`;
    throw new NegmineError('E_USAGE', `HF_ENDPOINT${shown} is not an http(s) URL: expected e.g. https://huggingface.co or http://user:password@mirror.local:8080`);
  }
  const basicAuth = url.username === '' && url.password === '' ? undefined : `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return { endpoint: url.href.replace(/\/+$/, ''), basicAuth };
}

/**
 * Hub settings from an env object (process.env by default) the way huggingface_hub reads them:
 * HF_ENDPOINT, HF_TOKEN (then the token file), HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE, and their legacy names.
 * Pure apart from `host`, which supplies the home directory and reads the token file.
 * Throws NegmineError('E_USAGE') when HF_ENDPOINT is not an http(s) URL (the message never shows its credentials).
 */
export function hubSettingsFromEnv(env: Env = process.env, host: HubSettingsHost = defaultHost): HubSettings {
  const xdgCache = variable(env, 'XDG_CACHE_HOME');
  const defaultHome = xdgCache === undefined ? path.join(host.homeDir(), '.cache', 'huggingface') : path.join(expandHome(xdgCache, host), 'huggingface');
  const hfHome = expandHome(variable(env, 'HF_HOME') ?? defaultHome, host);
  const cacheDir = expandHome(variable(env, 'HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE') ?? path.join(hfHome, 'hub'), host);
  const tokenPath = expandHome(variable(env, 'HF_TOKEN_PATH') ?? path.join(hfHome, 'token'), host);
  // The file is read only when the env has no token, as huggingface_hub does.
  const token = nonBlank(variable(env, 'HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN')) ?? nonBlank(host.readTextFile(tokenPath));
  const { endpoint, basicAuth } = parseEndpoint(variable(env, 'HF_ENDPOINT') ?? DEFAULT_HUB_ENDPOINT);
  return {
    endpoint,
    endpointBasicAuth: basicAuth,
    token,
    hfHome,
    cacheDir,
    offline: isTrue(variable(env, 'HF_HUB_OFFLINE')) || isTrue(variable(env, 'TRANSFORMERS_OFFLINE')),
    metadataTimeoutMs: seconds(variable(env, 'HF_HUB_ETAG_TIMEOUT')),
    downloadTimeoutMs: seconds(variable(env, 'HF_HUB_DOWNLOAD_TIMEOUT')),
  };
}
