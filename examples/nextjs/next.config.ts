import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

const config: NextConfig = {
  // This app installs streaming-avatar-kit from the workspace around it.
  turbopack: { root: fileURLToPath(new URL('../..', import.meta.url)) },
};

export default config;
