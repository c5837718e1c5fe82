#!/usr/bin/env node
// Launcher for the `aimdb` command; the CLI itself is compiled to dist/ by `npm run build`.
import { main } from '../dist/cli/main.js';

await main();
