// Only the elements this page shows: each registers itself.
import 'streaming-avatar-kit/components/streaming-avatar';
import 'streaming-avatar-kit/components/captions';
import { mount } from 'svelte';
import App from './App.svelte';

mount(App, { target: document.getElementById('app')! });
