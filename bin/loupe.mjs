#!/usr/bin/env node
// The `loupe` command: a thin client of the REST API, written in TypeScript and run through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
