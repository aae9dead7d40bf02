#!/usr/bin/env node
// Launcher for the operator CLI (cli/main.ts), run through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
