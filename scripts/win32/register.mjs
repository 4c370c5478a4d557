// Preloaded by NODE_OPTIONS in the win32 lane (scripts/run-win32.mjs): installs scripts/win32/ts-hooks.mjs.
import { register } from 'node:module';
register('./ts-hooks.mjs', import.meta.url);
