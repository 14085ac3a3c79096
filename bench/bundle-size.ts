/**
 * Minified + gzipped bytes of what a page downloads, built with esbuild the way a bundler would.
 * Used by `npm run bench` and by the size budget check in `npm test`.
 */
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const officialSdkDir = 'node_modules/@heygen/streaming-avatar';
/** The livekit-client the official SDK pins (2.11.3), installed beside it, not ours. */
const officialLivekitDir = resolve(officialSdkDir, 'node_modules/livekit-client');

/** Gzipped sizes in bytes. */
export interface BundleSizes {
  /** `streaming-avatar-kit` (core) without livekit-client. */
  core: number;
  /** Core and elements, without livekit-client. */
  coreAndElements: number;
  /**
   * What a page using the three elements downloads before `start()`: the entry and its static
   * imports, not the chunks loaded on the first start (session machinery, livekit-client).
   */
  beforeStart: number;
  /** The same for a page that imports `<streaming-avatar>` alone (`streaming-avatar-kit/components/streaming-avatar`). */
  beforeStartAvatarOnly: number;
  /** Everything, livekit-client included. */
  whole: number;
  /** Everything, built with the older livekit-client the official SDK pins instead of ours. */
  wholeWithOfficialLivekit: number;
  /** livekit-client alone: the version this toolkit depends on. */
  livekit: number;
  /** livekit-client alone: the version the official SDK pins. */
  officialLivekit: number;
  /** The official `@heygen/streaming-avatar` SDK with its dependencies (it loads everything up front). */
  officialSdk: number;
}

export async function measureBundles(): Promise<BundleSizes> {
  const external = ['livekit-client'];
  const [
    core,
    coreAndElements,
    split,
    avatarOnly,
    whole,
    wholeWithOfficialLivekit,
    livekit,
    officialLivekit,
    officialSdk,
  ] = await Promise.all([
    bundle('src/index.ts', { external }),
    bundle('components/index.ts', { external }),
    bundleSplit('components/index.ts'),
    bundleSplit('components/streaming-avatar/streaming-avatar.ts'),
    bundle('components/index.ts', {}),
    bundle('components/index.ts', { alias: { 'livekit-client': officialLivekitDir } }),
    bundle(livekitFrom('.'), {}),
    bundle(livekitFrom(officialSdkDir), {}),
    bundle(`${officialSdkDir}/lib/index.esm.js`, {}),
  ]);
  return {
    core,
    coreAndElements,
    beforeStart: split,
    beforeStartAvatarOnly: avatarOnly,
    whole,
    wholeWithOfficialLivekit,
    livekit,
    officialLivekit,
    officialSdk,
  };
}

/** An entry given as source text (esbuild's `stdin`), its imports resolved from `resolveDir`. */
interface ReExport {
  contents: string;
  resolveDir: string;
}

/** An entry that is livekit-client as a module in `dir` resolves it (ours, or the official SDK's own copy). */
function livekitFrom(dir: string): ReExport {
  return { contents: "export * from 'livekit-client'", resolveDir: resolve(dir) };
}

async function bundle(
  entry: string | ReExport,
  options: { external?: string[]; alias?: Record<string, string> },
): Promise<number> {
  const result = await build({
    ...(typeof entry === 'string' ? { entryPoints: [entry] } : { stdin: entry }),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    external: options.external ?? [],
    alias: options.alias ?? {},
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false } },
    logLevel: 'error',
  });
  return result.outputFiles.reduce((sum, file) => sum + gzipSync(file.contents).length, 0);
}

/** Code-split build: the entry and its static imports count; chunks reached only by `import()` do not. */
async function bundleSplit(entry: string): Promise<number> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    outdir: 'out',
    metafile: true,
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false } },
    logLevel: 'error',
  });
  const outputs = result.metafile.outputs;
  const byPath = new Map(
    result.outputFiles.map((file) => [file.path.slice(file.path.indexOf('out/')), file]),
  );
  // Chunks reached by import() are entry points of their own: pick the page's.
  const entryPath = Object.keys(outputs).find((path) => outputs[path]!.entryPoint === entry)!;
  const loaded = new Set<string>();
  const visit = (path: string) => {
    if (loaded.has(path)) return;
    loaded.add(path);
    for (const imported of outputs[path]!.imports)
      if (imported.kind === 'import-statement') visit(imported.path);
  };
  visit(entryPath);
  return [...loaded].reduce((sum, path) => sum + gzipSync(byPath.get(path)!.contents).length, 0);
}
