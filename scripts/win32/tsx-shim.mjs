// What `--import tsx` resolves to under node.exe in the win32 lane (scripts/win32/ts-hooks.mjs):
// nothing to do, the hooks that serve TypeScript are already installed.
export {};
