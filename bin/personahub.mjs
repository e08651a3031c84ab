#!/usr/bin/env node
// Development entry point (a checkout): runs the TypeScript CLI through tsx, so no build step is needed. The
// installed package's `personahub` is the built dist/src/cli/bin.js instead (package.json "bin", `npm run build`).
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
