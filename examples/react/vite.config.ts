import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In development, /api/avatar-token is your backend's route (see examples/nextjs for one).
export default defineConfig({
  plugins: [react()],
  // livekit-client (~570 kB) is its own chunk, loaded on the avatar's first start.
  build: { chunkSizeWarningLimit: 600 },
});
