import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The GPU device nodes a graphics or compute API would open: NVIDIA's (/dev/nvidia0, ...) and DRM render nodes
 * (/dev/dri/renderD128, ...: AMD, Intel, NVIDIA's open driver). None means no GPU is visible to this process, so
 * WebGPU need not be tried (Dawn would print its own lines on stderr while finding no adapter).
 */
export function gpuDeviceNodes(dev = '/dev'): string[] {
  const list = (folder: string, pattern: RegExp): string[] => {
    try {
      return readdirSync(folder).filter((name) => pattern.test(name)).map((name) => path.join(folder, name));
    } catch {
      return [];
    }
  };
  return [...list(dev, /^nvidia\d+$/), ...list(path.join(dev, 'dri'), /^renderD\d+$/)];
}
