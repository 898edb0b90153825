import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NegmineError } from '../../../src/core/errors.ts';
import { hubSettingsFromEnv, type HubSettingsHost } from '../../../src/io/hub/hub-settings.ts';

function host(files: Record<string, string> = {}): HubSettingsHost {
  return { homeDir: () => '/home/u', readTextFile: (file) => files[file] };
}

describe('hub-settings', () => {
  it('hubSettingsFromEnv defaults like huggingface_hub', () => {
    assert.deepEqual(hubSettingsFromEnv({}, host()), {
      endpoint: 'https://huggingface.co',
      endpointBasicAuth: undefined,
      token: undefined,
      hfHome: '/home/u/.cache/huggingface',
      cacheDir: '/home/u/.cache/huggingface/hub',
      offline: false,
      metadataTimeoutMs: 10_000,
      downloadTimeoutMs: 10_000,
    });
  });

  it('hubSettingsFromEnv reads HF_HOME, HF_HUB_CACHE, HF_ENDPOINT and XDG_CACHE_HOME', () => {
    assert.equal(hubSettingsFromEnv({ XDG_CACHE_HOME: '/xdg' }, host()).cacheDir, '/xdg/huggingface/hub');
    const settings = hubSettingsFromEnv({ HF_HOME: '~/hf', HF_ENDPOINT: 'https://mirror.example/', HF_HUB_ETAG_TIMEOUT: '2.5' }, host());
    assert.equal(settings.hfHome, '/home/u/hf');
    assert.equal(settings.cacheDir, '/home/u/hf/hub');
    assert.equal(settings.endpoint, 'https://mirror.example');
    assert.equal(settings.metadataTimeoutMs, 2500);
    assert.equal(hubSettingsFromEnv({ HF_HOME: '/hf', HF_HUB_CACHE: '/cache' }, host()).cacheDir, '/cache');
    assert.equal(hubSettingsFromEnv({ HUGGINGFACE_HUB_CACHE: '/legacy' }, host()).cacheDir, '/legacy');
  });

  it('hubSettingsFromEnv moves HF_ENDPOINT credentials out of the URL into a Basic authorization', () => {
    const settings = hubSettingsFromEnv({ HF_ENDPOINT: 'http://mirror-user:p%40ss%3Aword@Mirror.local:8080/hf/' }, host());
    assert.equal(settings.endpoint, 'http://mirror.local:8080/hf');
    assert.equal(settings.endpointBasicAuth, `Basic ${Buffer.from('mirror-user:p@ss:word').toString('base64')}`);
    assert.equal(hubSettingsFromEnv({ HF_ENDPOINT: 'http://mirror.local' }, host()).endpointBasicAuth, undefined);
  });

  it('hubSettingsFromEnv refuses an HF_ENDPOINT that is not an http(s) URL without showing its secret', () => {
    assert.throws(() => hubSettingsFromEnv({ HF_ENDPOINT: 'ftp://u:hunter2@mirror' }, host()), (error: unknown) => {
      assert.ok(error instanceof NegmineError);
      assert.equal(error.code, 'E_USAGE');
      assert.equal(error.message, "HF_ENDPOINT 'ftp://***@mirror' is not an http(s) URL: expected e.g. https://huggingface.co or http://user:password@mirror.local:8080");
      return true;
    });
    assert.throws(() => hubSettingsFromEnv({ HF_ENDPOINT: 'u:hunter2@mirror' }, host()), (error: unknown) => error instanceof NegmineError && !error.message.includes('hunter2'));
    assert.throws(() => hubSettingsFromEnv({ HF_ENDPOINT: 'mirror.local' }, host()), /HF_ENDPOINT 'mirror.local' is not an http\(s\) URL/);
  });

  it('hubSettingsFromEnv takes HF_TOKEN first, then the token file under HF_HOME', () => {
    const files = { '/hf/token': 'hf_file\n', '/elsewhere/token': 'hf_path' };
    assert.equal(hubSettingsFromEnv({ HF_HOME: '/hf', HF_TOKEN: 'hf_env' }, host(files)).token, 'hf_env');
    assert.equal(hubSettingsFromEnv({ HF_HOME: '/hf' }, host(files)).token, 'hf_file');
    assert.equal(hubSettingsFromEnv({ HF_HOME: '/hf', HF_TOKEN: '' }, host(files)).token, 'hf_file');
    assert.equal(hubSettingsFromEnv({ HF_HOME: '/hf', HF_TOKEN_PATH: '/elsewhere/token' }, host(files)).token, 'hf_path');
    assert.equal(hubSettingsFromEnv({ HF_HOME: '/nothing' }, host(files)).token, undefined);
  });

  it('hubSettingsFromEnv reads HF_HUB_OFFLINE truthy values only', () => {
    for (const value of ['1', 'true', 'ON', 'yes']) assert.equal(hubSettingsFromEnv({ HF_HUB_OFFLINE: value }, host()).offline, true, value);
    for (const value of ['0', 'false', '', 'off']) assert.equal(hubSettingsFromEnv({ HF_HUB_OFFLINE: value }, host()).offline, false, value);
    assert.equal(hubSettingsFromEnv({ TRANSFORMERS_OFFLINE: '1' }, host()).offline, true);
  });
});
