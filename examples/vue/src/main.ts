import 'streaming-avatar-kit/components';
import { createApp } from 'vue';
import App from './App.vue';

createApp(App).mount('#app');
