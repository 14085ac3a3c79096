import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [svelte()],
  // livekit-client (~570 kB) is its own chunk, loaded on the avatar's first start.
  build: { chunkSizeWarningLimit: 600 },
});
