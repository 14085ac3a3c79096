import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [
    vue({
      // The avatar's tags are custom elements, not Vue components.
      template: { compilerOptions: { isCustomElement: (tag) => tag.includes('-') } },
    }),
  ],
  // livekit-client (~570 kB) is its own chunk, loaded on the avatar's first start.
  build: { chunkSizeWarningLimit: 600 },
});
