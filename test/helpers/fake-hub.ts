// A local stand-in for the Hugging Face Hub's resolve protocol, for the hub client tests.
import { createHash } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeFile {
  content: string | Buffer;
  /** Served like an LFS file: a 302 to /cdn/{sha256}, on the CDN server ('absolute') or the hub itself ('relative'). */
  lfs?: 'absolute' | 'relative';
  /** Bytes the CDN serves instead of `content` (same length): a corrupted transfer. */
  corruptWith?: Buffer;
}

export interface FakeRepo {
  /** Branch or tag -> commit. */
  refs: Record<string, string>;
  /** Commit -> path -> file. */
  commits: Record<string, Record<string, FakeFile>>;
  /** Bearer token the repo requires: without it every request gets 401. */
  token?: string;
  /** `user:password` the repo requires as Basic auth (a mirror behind a password): without it every request gets 401. */
  basicAuth?: string;
  /** Every request for the repo answers this HTTP status (500, 503, 429, 403...). */
  status?: number;
  /** Every request for the repo answers a 302 to this Location (a bad redirect). */
  redirectTo?: string;
}

export interface RecordedRequest {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface FakeHub {
  /** Base URL to use as HF_ENDPOINT. */
  url: string;
  /** A second origin standing in for the CDN that LFS files redirect to. */
  cdnUrl: string;
  repos: Record<string, FakeRepo>;
  /** Old repo id -> new repo id: answered with a relative 307, as the Hub does for renamed repos. */
  renamed: Record<string, string>;
  /** Every request both servers received, in order. */
  requests: RecordedRequest[];
  /** When false, Range headers are ignored and GETs answer 200 with the whole file. */
  rangeSupport: boolean;
  /** When set, a GET body is cut (socket destroyed) after this many bytes: an interrupted download. */
  cutAfterBytes: number | undefined;
  /** When set, a GET body stops after this many bytes and the connection stays open: a stalled download. */
  stallAfterBytes: number | undefined;
  /** When true, the hub server accepts requests and never answers them. */
  stallMetadata: boolean;
  /** When set, a GET body carries this many bytes more than announced, sent without Content-Length (chunked). */
  extraBytes: number | undefined;
  close(): Promise<void>;
}

export function sha256Hex(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The git blob id the Hub sends as ETag for regular files. */
export function gitBlobSha1(content: string | Buffer): string {
  const bytes = Buffer.from(content);
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function sendBody(hub: FakeHub, request: IncomingMessage, response: ServerResponse, body: Buffer, headers: Record<string, string>): void {
  const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
  let start = 0;
  if (range?.[1] !== undefined && hub.rangeSupport) {
    start = Number(range[1]);
    if (start >= body.length) {
      response.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
  }
  const part = body.subarray(start);
  if (hub.extraBytes !== undefined && request.method === 'GET') {
    sendOversized(response, part, hub.extraBytes, headers);
    return;
  }
  response.writeHead(start > 0 ? 206 : 200, { ...headers, 'content-length': String(part.length), 'accept-ranges': hub.rangeSupport ? 'bytes' : 'none' });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  if (hub.stallAfterBytes !== undefined && hub.stallAfterBytes < part.length) {
    response.write(part.subarray(0, hub.stallAfterBytes));
    return;
  }
  const cut = hub.cutAfterBytes;
  if (cut === undefined || cut >= part.length) {
    response.end(part);
    return;
  }
  // Destroyed a little later, as a real dropped connection would be, so the client reads what was sent first.
  response.write(part.subarray(0, cut), () => {
    setTimeout(() => response.destroy(), 100);
  });
}

// The announced bytes, then more in 64 KiB chunks until the client hangs up or all are sent.
function sendOversized(response: ServerResponse, part: Buffer, extraBytes: number, headers: Record<string, string>): void {
  response.writeHead(200, headers);
  response.write(part);
  let left = extraBytes;
  const more = (): void => {
    while (left > 0 && !response.destroyed) {
      const size = Math.min(left, 65_536);
      left -= size;
      if (!response.write(Buffer.alloc(size, 0x2a))) {
        response.once('drain', more);
        return;
      }
    }
    if (left === 0) response.end();
  };
  response.on('error', () => undefined);
  more();
}

function notFound(response: ServerResponse, errorCode: string, headers: Record<string, string> = {}): void {
  response.writeHead(404, { 'x-error-code': errorCode, 'x-error-message': errorCode, ...headers }).end();
}

function serveCdn(hub: FakeHub, request: IncomingMessage, response: ServerResponse, sha: string): void {
  for (const repo of Object.values(hub.repos)) {
    for (const files of Object.values(repo.commits)) {
      for (const file of Object.values(files)) {
        if (file.lfs !== undefined && sha256Hex(file.content) === sha) {
          sendBody(hub, request, response, file.corruptWith ?? Buffer.from(file.content), { etag: `"cdn-${sha.slice(0, 8)}"` });
          return;
        }
      }
    }
  }
  response.writeHead(404).end();
}

function serveResolve(hub: FakeHub, request: IncomingMessage, response: ServerResponse, url: URL): void {
  const match = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
  if (match?.[1] === undefined || match[2] === undefined || match[3] === undefined) {
    response.writeHead(400).end();
    return;
  }
  const [, repoId, rawRevision, rawPath] = match;
  const newId = hub.renamed[repoId];
  if (newId !== undefined) {
    response.writeHead(307, { location: `/${newId}/resolve/${rawRevision}/${rawPath}` }).end();
    return;
  }
  const repo = hub.repos[repoId];
  if (repo === undefined) {
    notFound(response, 'RepoNotFound');
    return;
  }
  if (repo.token !== undefined && request.headers.authorization !== `Bearer ${repo.token}`) {
    response.writeHead(401, { 'x-error-message': 'Invalid credentials in Authorization header' }).end();
    return;
  }
  if (repo.basicAuth !== undefined && request.headers.authorization !== `Basic ${Buffer.from(repo.basicAuth).toString('base64')}`) {
    response.writeHead(401, { 'www-authenticate': 'Basic realm="mirror"' }).end();
    return;
  }
  if (repo.status !== undefined) {
    response.writeHead(repo.status).end();
    return;
  }
  if (repo.redirectTo !== undefined) {
    response.writeHead(302, { location: repo.redirectTo }).end();
    return;
  }
  const revision = decodeURIComponent(rawRevision);
  const commit = repo.refs[revision] ?? (repo.commits[revision] === undefined ? undefined : revision);
  const files = commit === undefined ? undefined : repo.commits[commit];
  if (commit === undefined || files === undefined) {
    notFound(response, 'RevisionNotFound');
    return;
  }
  const filePath = rawPath.split('/').map(decodeURIComponent).join('/');
  const file = files[filePath];
  if (file === undefined) {
    notFound(response, 'EntryNotFound', { 'x-repo-commit': commit });
    return;
  }
  if (file.lfs === undefined) {
    sendBody(hub, request, response, Buffer.from(file.content), { etag: `"${gitBlobSha1(file.content)}"`, 'x-repo-commit': commit });
    return;
  }
  const sha = sha256Hex(file.content);
  response
    .writeHead(302, {
      location: file.lfs === 'absolute' ? `${hub.cdnUrl}/cdn/${sha}` : `/cdn/${sha}`,
      'x-repo-commit': commit,
      'x-linked-etag': `"${sha}"`,
      'x-linked-size': String(Buffer.byteLength(file.content)),
      etag: `"${gitBlobSha1(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha}\n`)}"`,
      'content-length': '0',
    })
    .end();
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => {
      resolve();
    });
  });
}

/** Starts the fake Hub (and its CDN) on 127.0.0.1 with the given repos; `close()` stops both. */
export async function startFakeHub(repos: Record<string, FakeRepo>, renamed: Record<string, string> = {}): Promise<FakeHub> {
  const handler = (server: RecordedRequest['server']) => (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fake-hub');
    hub.requests.push({ server, method: request.method ?? '', url: url.pathname, headers: request.headers });
    if (server === 'hub' && hub.stallMetadata) return;
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname);
    if (cdn?.[1] !== undefined) serveCdn(hub, request, response, cdn[1]);
    else if (server === 'hub') serveResolve(hub, request, response, url);
    else response.writeHead(404).end();
  };
  const hubServer = http.createServer(handler('hub'));
  const cdnServer = http.createServer(handler('cdn'));
  const hub: FakeHub = {
    url: await listen(hubServer),
    cdnUrl: await listen(cdnServer),
    repos,
    renamed,
    requests: [],
    rangeSupport: true,
    cutAfterBytes: undefined,
    stallAfterBytes: undefined,
    stallMetadata: false,
    extraBytes: undefined,
    close: async () => {
      await Promise.all([close(hubServer), close(cdnServer)]);
    },
  };
  return hub;
}
