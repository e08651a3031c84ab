#!/usr/bin/env node
// The installed `personahub` command: package.json "bin" points at this file built to dist/ (`npm run build`), so
// an installed package runs on plain node. In a checkout, bin/personahub.mjs runs the same main() through tsx.
import { main } from './main.js';

await main(process.argv);
